"""The /etc/passwd and /etc/group of a scratch image (static_go.image.passwd): exact bytes, since
they are files in the image layer (and so part of its digest)."""

from __future__ import annotations

import pytest

from static_go.image.passwd import KNOWN_USERS, passwd_and_group

ROOT_PASSWD = b"root:x:0:0:root:/root:/sbin/nologin\n"
ROOT_GROUP = b"root:x:0:\n"


def test_known_users() -> None:
    assert KNOWN_USERS == {"root": 0, "nonroot": 65532, "nobody": 65534}


@pytest.mark.parametrize("user", [None, "", "root", "0", "0:0", "root:root"])
def test_root(user: str | None) -> None:
    assert passwd_and_group(user) == ("0:0", ROOT_PASSWD, ROOT_GROUP)


def test_nonroot() -> None:
    assert passwd_and_group("nonroot") == (
        "65532:65532",
        b"root:x:0:0:root:/root:/sbin/nologin\n"
        b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
        b"root:x:0:\nnonroot:x:65532:\n",
    )


def test_numeric_nonroot_is_named() -> None:
    # The numeric form of a known user gets the same files as its name.
    assert passwd_and_group("65532:65532") == passwd_and_group("nonroot")


def test_uid_only() -> None:
    assert passwd_and_group("1000") == (
        "1000:1000",
        b"root:x:0:0:root:/root:/sbin/nologin\n"
        b"user1000:x:1000:1000:user1000:/home/user1000:/sbin/nologin\n",
        b"root:x:0:\ngroup1000:x:1000:\n",
    )


def test_uid_and_named_group() -> None:
    assert passwd_and_group("1000:nobody") == (
        "1000:65534",
        b"root:x:0:0:root:/root:/sbin/nologin\n"
        b"user1000:x:1000:65534:user1000:/home/user1000:/sbin/nologin\n",
        b"root:x:0:\nnobody:x:65534:\n",
    )


def test_named_user_root_group() -> None:
    # gid 0: root's group already exists, no second group line.
    assert passwd_and_group("nobody:root") == (
        "65534:0",
        b"root:x:0:0:root:/root:/sbin/nologin\n"
        b"nobody:x:65534:0:nobody:/home/nobody:/sbin/nologin\n",
        ROOT_GROUP,
    )


def test_numeric_user_and_group() -> None:
    assert passwd_and_group("1001:2002") == (
        "1001:2002",
        b"root:x:0:0:root:/root:/sbin/nologin\n"
        b"user1001:x:1001:2002:user1001:/home/user1001:/sbin/nologin\n",
        b"root:x:0:\ngroup2002:x:2002:\n",
    )


def test_unknown_name_is_refused() -> None:
    with pytest.raises(ValueError):
        passwd_and_group("app")
