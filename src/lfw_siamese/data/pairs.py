"""Parse LFW pair lists: pairsDevTrain/pairsDevTest (`N`) and pairs.txt (`folds N`).

After the header come, per fold, N same-person lines `name i j` then N different-people
lines `name1 i name2 j`; image i of `name` is `name/name_000i.jpg`. CRLF endings and blank
trailing lines are accepted; anything else malformed is an LfwError naming file and line.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import LfwError


@dataclass(frozen=True)
class Pair:
    """Two images (`Person/Person_NNNN.jpg`), whether they show the same person, and the fold."""

    left: str
    right: str
    same: bool
    fold: int = 0

    @property
    def people(self) -> tuple[str, str]:
        return person_of(self.left), person_of(self.right)


def image_name(person: str, index: int) -> str:
    return f"{person}/{person}_{index:04d}.jpg"


def person_images(people: list[str], counts: dict[str, int]) -> list[str]:
    """Every image file of these people, in order."""
    return [image_name(name, i) for name in people for i in range(1, counts[name] + 1)]


def person_of(name: str) -> str:
    """The person of an image name `<Person>/<Person>_NNNN.jpg`."""
    return name.split("/")[0]


def people_of(pairs: list[Pair]) -> set[str]:
    """Everyone who appears in `pairs`."""
    return {name for pair in pairs for name in pair.people}


def _is_count(field: str) -> bool:
    return field.isascii() and field.isdigit() and int(field) > 0


def _index(field: str, where: str) -> int:
    if not _is_count(field):
        raise LfwError(f"{where}: image index {field!r} is not an integer >= 1")
    return int(field)


def _check_image(person, index, counts, where):
    if counts is None:
        return
    if person not in counts:
        raise LfwError(f"{where}: unknown person {person!r} (no such folder in the release)")
    if index > counts[person]:
        raise LfwError(f"{where}: {person} has {counts[person]} images, no image {index}")


def parse_pairs(text: str, source: str = "<pairs>", counts: dict | None = None) -> list[Pair]:
    """Parse a pair list; with `counts` (images per person), also check every image exists."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise LfwError(f"{source}: empty file, expected a header line")
    header = lines[0].split()
    if not 1 <= len(header) <= 2 or not all(map(_is_count, header)):
        raise LfwError(
            f"{source}:1: expected a header 'N' or 'folds N' (positive integers), got {lines[0]!r}"
        )
    folds, per_side = (1, int(header[0])) if len(header) == 1 else map(int, header)
    expected = folds * 2 * per_side
    if len(lines) - 1 != expected:
        raise LfwError(
            f"{source}: header {lines[0].strip()!r} announces {expected} pair lines, "
            f"the file has {len(lines) - 1}"
        )
    pairs = []
    for offset, line in enumerate(lines[1:]):
        lineno = offset + 2
        fold, pos = divmod(offset, 2 * per_side)
        same = pos < per_side
        fields = line.split()
        where = f"{source}:{lineno}: {line.strip()!r}"
        if same and len(fields) == 3:
            a = b = fields[0]
            i, j = _index(fields[1], where), _index(fields[2], where)
        elif not same and len(fields) == 4:
            a, b = fields[0], fields[2]
            i, j = _index(fields[1], where), _index(fields[3], where)
        else:
            kind = "'name i j' (same person)" if same else "'name1 i name2 j' (different people)"
            raise LfwError(f"{where}: expected {kind}, got {len(fields)} fields")
        _check_image(a, i, counts, where)
        _check_image(b, j, counts, where)
        pairs.append(Pair(image_name(a, i), image_name(b, j), same, fold))
    return pairs


def read_pairs(path, counts: dict | None = None) -> list[Pair]:
    """Read and parse a pair-list file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LfwError(f"{path}: pair list not found") from None
    except UnicodeDecodeError as exc:
        raise LfwError(f"{path}: not a text file ({exc})") from None
    return parse_pairs(text, str(path), counts)


def image_counts(files) -> dict[str, int]:
    """Number of images per person among image names `<Person>/<Person>_NNNN.jpg`."""
    return dict(Counter(person_of(f) for f in files))
