"""The account's private podcast feed (issue 75 part 2, CONTRACTS section 18).

An account may turn on a feed (PATCH /me {"feed": true}); its address holds a long random secret,
so a podcast app subscribes with no sign-in and nobody else can guess it. Every finished job
with a recording is an episode, newest first. Nothing in a feed is a presigned URL: presigned
links die in 15 minutes and an app fetches an episode days later, so each file has a stable
address under the feed (`paths`) that answers with a redirect to a fresh presigned GET (S3 then
answers byte ranges itself) or, for the small text files, with the file made on the spot.

- `paths`: the addresses (shared by the feed, GET /me and the routes).
- `secret`: turning the feed on and off, rotating its secret, the account a secret opens.
- `episodes`: jobs as episodes, their chapters (JSON chapters) and transcripts (WebVTT).
- `rss`: the RSS 2.0 document (iTunes and Podcasting 2.0 tags), pure, stdlib XML only.
"""
