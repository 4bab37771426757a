"""Small widgets shared by the panes: form fields, the clock, the mock provider control."""
