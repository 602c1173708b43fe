"""The `pagevoice` command: files read (and read aloud) by a PageVoice deployment through its
HTTP API, with an API key. Uploads go straight to S3 (a book of hundreds of MB as parts, several
at once, resumed after a dropped connection from the parts S3 holds); the jobs are followed to
their end and their results downloaded. Depends on requests only."""
__version__ = "0.1.0"
