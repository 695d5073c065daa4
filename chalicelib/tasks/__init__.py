"""Lambda functions the state machines call. Domain errors propagate: their class name is the ASL error."""
