"""Weekly digests: build one per subscription, schedule them, deliver each exactly once."""
