from static_go.util.text import first_and_more


def test_first_and_more() -> None:
    assert first_and_more(["a", "b"], 3) == "a, b"
    assert first_and_more(["a", "b", "c"], 3) == "a, b, c"
    assert first_and_more(["a", "b", "c", "d", "e"], 3) == "a, b, c and 2 more"
