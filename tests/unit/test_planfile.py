"""Plan files: bad files are refused with the file, the path and what was expected;
nothing is saved."""

from __future__ import annotations

import json
import time

import pytest

from coherence.application.history import Author, PlanHistory
from coherence.application.planfile import MAX_FILE_BYTES, check_document, read_document
from coherence.domain.errors import PlanFileError, PlanNotFound
from tests.plans import plan_data, yaml_text


def refused_file(text: str | bytes, filename: str = "plan.yaml") -> PlanFileError:
    with pytest.raises(PlanFileError) as info:
        read_document(text, filename=filename)
    assert filename in str(info.value)
    return info.value


def test_malformed_yaml_names_the_line() -> None:
    error = refused_file("format: coherence/plan@1\nplan: {id: x\n")
    assert error.path.startswith("line ")
    assert "valid YAML" in error.expected


def test_wrong_type_names_the_path() -> None:
    data = plan_data()
    data["outcomes"][0]["baseline"] = "forty-two"
    error = refused_file(yaml_text(data))
    assert error.path == "outcomes[0].baseline"
    assert error.expected == "a number"


def test_unknown_field_names_the_path() -> None:
    data = plan_data()
    data["initiatives"][1]["budget"] = 5
    error = refused_file(yaml_text(data))
    assert error.path == "initiatives[1].budget"


@pytest.mark.parametrize(
    ("section", "index", "change", "path"),
    [
        ("benchmarks", 0, {"tracks": "SI9"}, "benchmarks[0].tracks"),
        ("benchmarks", 0, {"tracks": ["SI1.1", 7]}, "benchmarks[0].tracks[1]"),
        (
            "budget_lines",
            0,
            {"funds": [{"target": "PL1", "amount": -1}]},
            "budget_lines[0].funds[0].amount",
        ),
        (
            "budget_lines",
            0,
            {"funds": [{"target": "PL1", "cost": 1}]},
            "budget_lines[0].funds[0].cost",
        ),
        ("objectives", 1, {"key": "bad key"}, "objectives[1].key"),
        ("objectives", 0, {"informed_by": ["SO2"]}, "objectives[0].informed_by[0]"),
        ("initiatives", 0, {"start": "2026-09-01", "end": "2026-01-01"}, "initiatives[0].end"),
        (
            "outcomes",
            0,
            {"results": [{"as_of": "2025-06-01", "value": 1}, {"as_of": "June", "value": 2}]},
            "outcomes[0].results[1].as_of",
        ),
        ("outcomes", 0, {"results": [{"as_of": "2025-06-01", "x": 1}]}, "outcomes[0].results[0].x"),
        ("benchmarks", 0, {"due": "soon"}, "benchmarks[0].due"),
    ],
)
def test_every_refusal_names_its_path(
    section: str, index: int, change: dict[str, object], path: str
) -> None:
    data = plan_data()
    data[section][index].update(change)
    assert refused_file(yaml_text(data)).path == path


def test_an_item_that_is_not_a_mapping_is_named() -> None:
    data = plan_data()
    data["objectives"].append("SO9")
    assert refused_file(yaml_text(data)).path == f"objectives[{len(data['objectives']) - 1}]"


def test_a_key_that_is_not_text_is_named() -> None:
    data = plan_data()
    data["initiatives"][1][2026] = "budget"
    error = refused_file(yaml_text(data))
    assert (error.path, error.expected) == ("initiatives[1].2026", "text keys")


def test_keys_are_checked_in_every_file_though_valid_ones_are_remembered() -> None:
    """Valid keys are remembered (files repeat them); a file's invalid key is refused
    as ever, after files with many valid ones, and a remembered key still checks."""
    for n in range(50):
        data = plan_data()
        data["objectives"].append({"key": f"SO-many-{n}", "title": "Attendance"})
        check_document(data, filename="ok.yaml")
    for bad in ("-SO1", "SO 1", "", "x" * 65, "SO1/2"):
        data = plan_data()
        data["objectives"][0]["key"] = bad
        with pytest.raises(PlanFileError) as info:
            check_document(data, filename="bad.yaml")
        assert (info.value.path, info.value.got) == ("objectives[0].key", bad)
        assert info.value.expected.startswith("a key of 1 to 64 letters")
    assert check_document(plan_data(), filename="again.yaml").state.elements["SO1"]


def test_unknown_section_is_refused() -> None:
    error = refused_file(yaml_text(plan_data(goals=[])))
    assert error.path == "goals"


def test_dangling_link_names_the_path() -> None:
    data = plan_data()
    data["initiatives"][1]["supports"] = ["SO2", "SO7"]
    error = refused_file(yaml_text(data))
    assert error.path == "initiatives[1].supports[1]"
    assert "objective" in error.expected


def test_link_to_the_wrong_kind_says_what_the_key_is() -> None:
    data = plan_data()
    data["initiatives"][0]["supports"] = ["DF1"]
    error = refused_file(yaml_text(data))
    assert error.path == "initiatives[0].supports[0]"
    assert "DF1 is a data finding" in error.expected


def test_duplicate_element_key_is_refused() -> None:
    data = plan_data()
    data["initiatives"].append({"key": "SO1", "title": "Clash"})
    error = refused_file(yaml_text(data))
    assert error.path == "initiatives[2].key"
    assert "objectives[0]" in error.expected


@pytest.mark.parametrize(
    ("section", "key", "first"),
    [
        ("initiatives", "SO1", "objectives[0]"),
        ("objectives", "SO1", "objectives[0]"),
        ("educator_goals", "SI1.1", "initiatives[0]"),
        ("objectives", "mission", "mission"),
    ],
)
def test_a_duplicate_key_names_where_the_file_first_uses_it(
    section: str, key: str, first: str
) -> None:
    data = plan_data()
    data[section].append({"key": key, "title": "Clash"})
    error = refused_file(yaml_text(data))
    assert error.path == f"{section}[{len(data[section]) - 1}].key"
    assert error.expected == f"a key used once in the file (already at {first})"
    assert error.got == key


def test_duplicate_mapping_key_is_refused_in_yaml_and_json() -> None:
    refused_file("format: coherence/plan@1\nformat: coherence/plan@1\nplan: {id: x}\n")
    refused_file('{"format": "coherence/plan@1", "plan": {"id": "x", "id": "y"}}', "plan.json")


def test_wrong_format_marker() -> None:
    error = refused_file(yaml_text(plan_data(format="coherence/plan@9")))
    assert error.path == "format"


def test_very_large_file_is_refused_before_parsing() -> None:
    error = refused_file(b"#" * (MAX_FILE_BYTES + 1))
    assert "at most" in error.expected


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    started = time.perf_counter()
    error = refused_file(bomb)
    assert time.perf_counter() - started < 2
    assert "aliases" in error.expected


def test_deep_nesting_is_refused() -> None:
    refused_file("x: " + "[" * 5000 + "]" * 5000)
    refused_file('{"x": ' + "[" * 5000 + "]" * 5000 + "}", "plan.json")


def test_deeply_nested_data_in_a_field_is_refused_by_its_path() -> None:
    """Data handed over already parsed is checked only as deep as the format goes."""
    data = plan_data()
    nested: list[object] = []
    for _ in range(5000):
        nested = [nested]
    data["initiatives"][0]["title"] = nested
    with pytest.raises(PlanFileError) as refused:
        check_document(data, filename="p.yaml")
    assert refused.value.path == "initiatives[0].title"
    assert "text" in refused.value.expected


def test_json_and_yaml_describe_the_same_plan() -> None:
    data = plan_data()
    from_yaml = read_document(yaml_text(data), filename="p.yaml")
    from_json = read_document(json.dumps(data), filename="p.json")
    assert from_yaml == from_json


def test_nothing_is_saved_when_a_file_is_refused(app: PlanHistory) -> None:
    data = plan_data()
    data["benchmarks"][0]["status"] = "finished"
    with pytest.raises(PlanFileError):
        app.import_plan(read_document(yaml_text(data), filename="p.yaml"), Author("me"))
    with pytest.raises(PlanNotFound):
        app.get_plan("example-2025")


@pytest.mark.parametrize(
    ("section", "change", "refusal"),
    [
        (
            "initiatives",
            {"supports": ["SI1.1", "bad key"]},
            ("initiatives[0].supports[1]", "bad key"),
        ),
        ("initiatives", {"supports": ["SI1.1", "SO9"]}, ("initiatives[0].supports[0]", "SI1.1")),
        ("initiatives", {"supports": ["SO1", "SO1"]}, ("initiatives[0].supports[1]", "SO1")),
        ("initiatives", {"supports": "SO1"}, ("initiatives[0].supports", "SO1")),
        ("initiatives", {"supports": ["SO1", 7]}, ("initiatives[0].supports[1]", 7)),
        ("benchmarks", {"tracks": "SO1"}, ("benchmarks[0].tracks", "SO1")),
        ("benchmarks", {"tracks": "NOPE1"}, ("benchmarks[0].tracks", "NOPE1")),
        (
            "budget_lines",
            {"funds": [{"target": "PL1", "amount": True}]},
            ("budget_lines[0].funds[0].amount", True),
        ),
        (
            "budget_lines",
            {"funds": [{"target": "SO1", "amount": 5}]},
            ("budget_lines[0].funds[0]", "SO1"),
        ),
        (
            "budget_lines",
            {"funds": [{"target": "PL1", "amount": 5}, {"target": "PL1", "amount": 6}]},
            ("budget_lines[0].funds[1]", "PL1"),
        ),
        (
            "budget_lines",
            {"funds": [{"target": "PL1", "amount": -3}]},
            ("budget_lines[0].funds[0].amount", -3),
        ),
    ],
)
def test_a_link_is_refused_at_its_first_fault_in_the_order_of_the_checks(
    section: str, change: dict[str, object], refusal: tuple[str, object]
) -> None:
    """Every target of a link field is checked to be a key before any is looked up, and
    the fast paths for keys of the file's elements and whole-dollar amounts keep that."""
    data = plan_data()
    data[section][0].update(change)
    with pytest.raises(PlanFileError) as info:
        check_document(data, filename="plan.yaml")
    assert (info.value.path, info.value.got) == refusal


def test_allocations_keep_their_amounts_as_checked() -> None:
    data = plan_data()
    data["budget_lines"][0]["funds"] = [
        {"target": "PL1", "amount": 10.0},
        {"target": "SI1.1", "amount": 2.5},
    ]
    links = check_document(data, filename="plan.yaml").state.links
    assert dict(links["BL-1001", "PL1"].attributes) == {"amount": 10}
    assert type(links["BL-1001", "PL1"].attributes["amount"]) is int
    assert dict(links["BL-1001", "SI1.1"].attributes) == {"amount": 2.5}
