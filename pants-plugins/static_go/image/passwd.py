# Copyright 2026 pants-static-go contributors.
"""The `/etc/passwd` and `/etc/group` of a scratch image. Pure Python, no Pants imports."""

from __future__ import annotations

KNOWN_USERS = {"root": 0, "nonroot": 65532, "nobody": 65534}


def passwd_and_group(user: str | None) -> tuple[str, bytes, bytes]:
    """The config's `User` value and the /etc/passwd and /etc/group contents for it."""
    if not user:
        uid, gid = 0, 0
    else:
        u, _, g = user.partition(":")
        uid = KNOWN_USERS[u] if u in KNOWN_USERS else int(u)
        gid = (KNOWN_USERS[g] if g in KNOWN_USERS else int(g)) if g else uid
    names = {v: k for k, v in KNOWN_USERS.items()}
    passwd = ["root:x:0:0:root:/root:/sbin/nologin"]
    group = ["root:x:0:"]
    if uid != 0:
        name = names.get(uid, f"user{uid}")
        passwd.append(f"{name}:x:{uid}:{gid}:{name}:/home/{name}:/sbin/nologin")
    if gid != 0:
        group.append(f"{names.get(gid, f'group{gid}')}:x:{gid}:")
    return f"{uid}:{gid}", ("\n".join(passwd) + "\n").encode(), ("\n".join(group) + "\n").encode()
