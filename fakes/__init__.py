"""Fake platform APIs on 127.0.0.1, shared by the tests and the benchmarks (neither imports
the other): the Telegram Bot API, the Slack Web API and Socket Mode, and a recording Sender."""
