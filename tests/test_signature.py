import pytest

from bot.errors import InvalidSignature
from bot.web.signature import sign, verify

SECRET = b"It's a Secret to Everybody"
VECTOR = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_github_documented_test_vector() -> None:
    assert sign(SECRET, b"Hello, World!") == VECTOR
    verify(SECRET, b"Hello, World!", VECTOR)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59",  # SHA-1 only is not accepted
        VECTOR.replace("757", "758"),
        "sha256=",
        "sha256=zz",
        VECTOR.upper(),
        "sha256=" + "é" * 64,
    ],
)
def test_rejects_bad_signatures(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        verify(SECRET, b"Hello, World!", header)


def test_rejects_when_body_differs() -> None:
    with pytest.raises(InvalidSignature):
        verify(SECRET, b"Hello, World?", VECTOR)


def test_empty_secret_rejects_everything() -> None:
    with pytest.raises(InvalidSignature):
        verify(b"", b"Hello, World!", sign(b"", b"Hello, World!"))
