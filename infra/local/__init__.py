"""The local stack: moto server as AWS, the S3-event bridge, bootstrap of resources."""
