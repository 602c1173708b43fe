"""Media intake: untrusted bytes in, arrays the engines read out, or a typed refusal.
`types` (no dependencies) says which formats are read; the API imports only that."""
