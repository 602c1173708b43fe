"""Reading by link (CONTRACTS section 18): what PageVoice fetches from the open internet for a
person, fetched safely (fetch.py). The worker's job, never the API's."""
