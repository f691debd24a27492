"""The subcommands: check, export (handouts), lint and notes."""
