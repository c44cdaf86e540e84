"""The press-release watcher (issue #13): 정책브리핑's Open API read on a schedule, meeting
releases turned into proposals for the admins.

    client.py      the API: the list of releases (paged, retried), attachments
    candidates.py  which releases report a meeting's agenda; read and merged per meeting
    watcher.py     one pass: collect (blocking, changes nothing), then deliver (keep the
                   proposals and post their previews, or store the meetings in auto mode)

What was handled and what waits for an admin live in the store (`Store.watch_seen`,
`Store.watch_cursor`, `Store.propose` / `proposals`); the admins answer with `/import
save|ignore|list|show` (`bot/commands/importing.py`).
"""
