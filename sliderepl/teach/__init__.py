"""Teaching: progress files, exercises and pacing, fed by slide events."""
