"""Deployment: the CloudFormation/SAM template, packaging script and worker image (see README.md)."""
