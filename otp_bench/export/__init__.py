"""Taking results out of the bench: HAR, JSON Lines, Markdown evidence reports, workspace files."""
