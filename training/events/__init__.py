"""ACLED event typing: the versioned label file and its mapping to the predictor's event types."""
