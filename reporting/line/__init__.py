"""The resident channel on LINE: webhook, intake, event handling, replies and pushes."""
