"""The mock Experience Cloud site and the headless client pane."""
