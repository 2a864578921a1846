import json
from pathlib import Path

import jsonschema

from portalize.transform.schema import SCHEMA_FILE, schema_text

GOLDEN = Path(__file__).parent / "golden"


def test_committed_schema_is_generated_from_the_code():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), "run `make schema` and commit the file"


def test_every_field_is_described():
    schema = json.loads(schema_text())
    for name, prop in schema["properties"].items():
        assert prop["description"], name


def test_golden_articles_validate_against_the_schema():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    files = sorted(GOLDEN.glob("*/*.json"))
    assert len(files) == 37  # 35 sample articles of six families + 2 of the ASP.NET fixture
    for path in files:
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)


def test_schema_rejects_an_unknown_kind():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    article = json.loads(next(GOLDEN.glob("*/*.json")).read_text(encoding="utf-8"))
    article["kind"] = "blog"
    try:
        jsonschema.validate(article, schema)
    except jsonschema.ValidationError as exc:
        assert "blog" in str(exc)
    else:
        raise AssertionError("kind 'blog' was accepted")
