"""Demo mode: play a scenario file in the app, step by step, with a caption narrating each step."""
