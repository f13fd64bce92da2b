from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.spec.contract import DEFAULT_SPEC, strip_mock_additions
from mockserver.spec.overlay import DEFAULT_OVERLAY, OverlayError, apply_overlay, load_overlay

ROOT = Path(__file__).parents[2]
VENDOR = ROOT / "contracts" / "vendor" / "iframe-create.openapi.yaml"
VENDOR_2025 = ROOT / "contracts" / "vendor" / "camelai-api-2025-08-18.openapi.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "test", "version": "1"}, "actions": list(actions)}


def read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": item[method]
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    }


def test_update_merges_into_each_selected_object() -> None:
    document = {
        "paths": {
            "/a": {"get": {"summary": "old", "tags": ["a"], "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"summary": "old", "tags": ["b"]}},
        }
    }
    update = {"summary": "new", "tags": ["mock", "a"], "responses": {"404": {"description": "gone"}}}
    result, warnings = apply_overlay(document, overlay({"target": "$.paths.*.get", "update": update}), "o.yaml")
    assert warnings == []
    assert result["paths"]["/a"]["get"] == {
        "summary": "new",  # a value replaced
        "tags": ["a", "mock"],  # arrays concatenated, an item already there not added twice
        "responses": {"200": {"description": "ok"}, "404": {"description": "gone"}},  # objects merged
    }
    assert result["paths"]["/b"]["get"] == {
        "summary": "new",
        "tags": ["b", "mock", "a"],
        "responses": update["responses"],
    }


def test_update_leaves_its_input_and_the_overlay_untouched() -> None:
    document = {"info": {"title": "t"}, "paths": {}}
    before = copy.deepcopy(document)
    actions = overlay({"target": "$.paths", "update": {"/a": {"get": {"tags": ["x"]}}}})
    result, _ = apply_overlay(document, actions, "o.yaml")
    result["paths"]["/a"]["get"]["tags"].append("changed")
    assert document == before
    assert actions["actions"][0]["update"] == {"/a": {"get": {"tags": ["x"]}}}


def test_an_array_target_gets_the_update_appended() -> None:
    document = {"tags": [{"name": "iframe"}]}
    action = {"target": "$.tags", "update": {"name": "mock", "x-mock": True}}
    result, warnings = apply_overlay(document, overlay(action, action), "o.yaml")
    assert warnings == []
    assert result["tags"] == [{"name": "iframe"}, {"name": "mock", "x-mock": True}]  # once, however often applied


def test_remove_deletes_each_selected_node() -> None:
    document = {
        "paths": {"/a": {"get": {}}, "/b": {"get": {}}},
        "tags": [{"name": "x"}, {"name": "dummy"}, {"name": "y"}, {"name": "dummy"}],
    }
    result, warnings = apply_overlay(
        document,
        overlay(
            {"target": "$.paths['/a']", "remove": True},
            {"target": "$.tags[?@.name == 'dummy']", "remove": True},
        ),
        "o.yaml",
    )
    assert warnings == []
    assert result == {"paths": {"/b": {"get": {}}}, "tags": [{"name": "x"}, {"name": "y"}]}


def test_actions_apply_in_order_each_to_the_result_of_the_one_before() -> None:
    document = {"paths": {"/a": {"get": {"summary": "vendor", "deprecated": True}}}}
    remove = {"target": "$.paths['/a']", "remove": True}
    recreate = {"target": "$.paths", "update": {"/a": {"get": {"summary": "mock"}}}}
    replaced, _ = apply_overlay(document, overlay(remove, recreate), "o.yaml")
    assert replaced["paths"] == {"/a": {"get": {"summary": "mock"}}}
    removed, _ = apply_overlay(document, overlay(recreate, remove), "o.yaml")
    assert removed["paths"] == {}


def test_a_target_that_selects_nothing_is_a_warning_naming_the_action() -> None:
    actions = overlay(
        {"target": "$.paths", "update": {"/a": {}}},
        {"target": "$.paths['/nowhere'].get", "description": "Describe\n  nowhere.", "update": {"summary": "x"}},
    )
    result, warnings = apply_overlay({"paths": {}}, actions, "extra.overlay.yaml")
    assert result == {"paths": {"/a": {}}}
    assert warnings == [
        "extra.overlay.yaml: actions[1]: target $.paths['/nowhere'].get (\"Describe nowhere.\") selects nothing in"
        " this document, so the action changes nothing"
    ]


def test_an_update_that_cannot_merge_is_a_warning_and_changes_nothing_there() -> None:
    document = {"info": {"title": "t", "contact": "someone"}}
    actions = overlay(
        {"target": "$.info", "update": {"contact": {"name": "mock"}, "x-mock": True}},
        {"target": "$.info.title", "update": {"x": 1}},
    )
    result, warnings = apply_overlay(document, actions, "o.yaml")
    assert result == {"info": {"title": "t", "contact": "someone", "x-mock": True}}
    assert warnings == [
        "o.yaml: actions[0]: target $.info: /info/contact is the value 'someone', which an object cannot merge into;"
        " left as it was",
        "o.yaml: actions[1]: target $.info.title: /info/title is the value 't'; an update changes only objects and"
        " arrays",
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param("overlay: [1.0.0\n", "not valid YAML or JSON (did not find expected ',' or ']'", id="yaml"),
        pytest.param("- a list\n", "not an OpenAPI Overlay document (no top-level 'overlay' field)", id="not-overlay"),
        pytest.param(
            "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $, remove: true}]\n",
            "overlay: '2.0.0' is not a 1.0.x version",
            id="version",
        ),
        pytest.param(
            "overlay: 1.0.0\ninfo: {title: t}\nactions: [{target: $, remove: true}]\n",
            "info: {'title': 't'} is not an object with the required strings title and version",
            id="info",
        ),
        pytest.param(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: []\n",
            "actions: [] is not a list of at least one action",
            id="no-actions",
        ),
        pytest.param(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{update: {}}]\n",
            "actions[0].target: None is not a string (a target is required)",
            id="no-target",
        ),
        pytest.param(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: \"$.paths[?@.x == ]\", remove: true}]\n",
            "actions[0].target: '$.paths[?@.x == ]' is not an RFC 9535 JSONPath query (unexpected end of expression at"
            " character 16)",
            id="jsonpath",
        ),
        pytest.param(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: \"$.a | $.b\", remove: true}]\n",
            "actions[0].target: '$.a | $.b' is not an RFC 9535 JSONPath query",
            id="jsonpath-extension",
        ),
        pytest.param(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $.a, remove: 'yes'}]\n",
            "actions[0].remove: 'yes' is not true or false",
            id="remove",
        ),
        pytest.param(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $.a, remove: true}, {target: $.b}]\n",
            "actions[1]: has neither update nor remove: true, so it would do nothing",
            id="no-change",
        ),
        pytest.param(
            "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: $.a, updates: {}}]\n",
            "actions[0]: 'updates' is not an action field (one of target, description, update, remove)",
            id="unknown-field",
        ),
    ],
)
def test_a_malformed_overlay_file_is_a_one_line_error_naming_it(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "broken.overlay.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(OverlayError) as err:
        load_overlay(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message


def test_openapi_yaml_is_the_vendor_document_with_the_mock_overlay_applied() -> None:
    built, _ = apply_overlay(read(VENDOR), load_overlay(DEFAULT_OVERLAY), str(DEFAULT_OVERLAY))
    assert read(DEFAULT_SPEC) == built, (
        "openapi.yaml is generated: edit contracts/mock.overlay.yaml (or the vendor document), then run "
        "scripts/build-openapi"
    )


@pytest.mark.parametrize("start", [DEFAULT_SPEC, VENDOR, VENDOR_2025], ids=lambda p: p.name)
def test_the_mock_overlay_applied_again_changes_nothing(start: Path) -> None:
    mock_overlay = load_overlay(DEFAULT_OVERLAY)
    once, _ = apply_overlay(read(start), mock_overlay, str(DEFAULT_OVERLAY))
    twice, _ = apply_overlay(once, mock_overlay, str(DEFAULT_OVERLAY))
    assert twice == once
    if start == DEFAULT_SPEC:  # a user may pass --spec openapi.yaml, which already carries the additions
        assert once == read(DEFAULT_SPEC)


def test_the_mock_overlay_applies_to_the_vendors_2025_document() -> None:
    vendor = read(VENDOR_2025)
    mock_overlay = load_overlay(DEFAULT_OVERLAY)
    result, warnings = apply_overlay(vendor, mock_overlay, str(DEFAULT_OVERLAY))

    # Every operation the vendor documents without a 400 gets the mock's {"error": ...} 400.
    bare = [name for name, op in operations(vendor).items() if "400" not in op["responses"]]
    assert len(bare) > 20
    schemas = result["components"]["schemas"]
    for name in bare:
        answer = operations(result)[name]["responses"]["400"]
        assert answer["x-mock"] is True
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        assert schemas[ref.rsplit("/", 1)[1]]["required"] == ["error"], name
    # Every operation that asks for credentials documents a 401: the vendor's own where it has one, else the mock's.
    secured = [name for name, op in operations(vendor).items() if any(op.get("security", vendor.get("security")))]
    assert len(secured) == 43
    for name in secured:
        answer = operations(result)[name]["responses"]["401"]
        assert (answer.get("x-mock") is True) is ("401" not in operations(vendor)[name]["responses"]), name
    # The mock's own endpoints are there, as in the document it serves by default.
    mock_paths = {p for p, item in read(DEFAULT_SPEC)["paths"].items() if item.get("x-mock") is True}
    assert mock_paths and mock_paths <= set(result["paths"])
    # The theme rules cannot apply to a create from before themes; those actions say they are optional, so the
    # mock's own overlay gives no warning on this document.
    theme_actions = [action for action in mock_overlay["actions"] if "theme" in action["target"]]
    assert len(theme_actions) == 2 and all(action["x-mock-optional"] is True for action in theme_actions)
    assert warnings == []
    # Everything added is marked: removing the additions gives back the vendor's document.
    assert strip_mock_additions(result) == vendor
