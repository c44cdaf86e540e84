"""Chat adapters: console, Telegram, Slack. Each only translates messages in and replies out."""
