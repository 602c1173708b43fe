"""PageVoice: photos and scans in, text with word boxes and speech out."""
