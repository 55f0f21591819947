"""Validates trailseal's OSCAL output with python3-jsonschema.

validate(model, doc) -> (errors, schema_name), model "assessment-results" or
"assessment-plan". It uses NIST's official schema when the file
oscal_<model>_schema.json sits beside this module (see README.md), else the
subset schema below: the official OSCAL 1.0.4 JSON schema's rules (required
members, additionalProperties false, minItems 1, enumerations and datatype
patterns) for every object trailseal writes, written out again for these
tests. Python's re has no \\p{L} / \\p{N}: the official schema's token
pattern is rewritten with their re equivalents before use.
"""
import json
import os

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))

# OSCAL 1.0.4 datatypes (json/schema/oscal_*_schema.json "definitions").
UUID = {"type": "string", "pattern":
        "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$"}
DATETIME = {"type": "string", "pattern":
            "^(((2000|2400|2800|(19|2[0-9](0[48]|[2468][048]|[13579][26])))-02-29)|"
            "(((19|2[0-9])[0-9]{2})-02-(0[1-9]|1[0-9]|2[0-8]))|"
            "(((19|2[0-9])[0-9]{2})-(0[13578]|10|12)-(0[1-9]|[12][0-9]|3[01]))|"
            "(((19|2[0-9])[0-9]{2})-(0[469]|11)-(0[1-9]|[12][0-9]|30)))"
            "T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"}
STRING = {"type": "string", "pattern": "^\\S(.*\\S)?$"}
TOKEN = {"type": "string", "pattern": "^([^\\W\\d_]|_)([^\\W_]|[.\\-_])*$"}
URI = {"type": "string", "pattern": "^[a-zA-Z][a-zA-Z0-9+\\-.]+:.+$"}
URIREF = {"type": "string"}
TEXT = {"type": "string"}


def obj(required, **props):
    return {"type": "object", "properties": props, "required": required,
            "additionalProperties": False}


def array(item):
    return {"type": "array", "minItems": 1, "items": item}


def enum(base, *values):
    return {"allOf": [base, {"enum": list(values)}]}


PROPERTY = obj(["name", "value"], name=TOKEN, uuid=UUID, ns=URI, value=STRING,
               **{"class": TOKEN}, remarks=TEXT)
LINK = obj(["href"], href=URIREF, rel=TOKEN, text=TEXT,
           **{"media-type": STRING})
METADATA = obj(["title", "last-modified", "version", "oscal-version"],
               title=TEXT, published=DATETIME, version=STRING,
               props=array(PROPERTY), links=array(LINK), remarks=TEXT,
               **{"last-modified": DATETIME, "oscal-version": STRING})
SELECT_CONTROL = obj(["control-id"], **{"control-id": TOKEN,
                                        "statement-ids": array(TOKEN)})
REVIEWED = obj(["control-selections"], description=TEXT,
               props=array(PROPERTY), links=array(LINK), remarks=TEXT,
               **{"control-selections": array(obj(
                   [], description=TEXT, props=array(PROPERTY),
                   links=array(LINK), remarks=TEXT,
                   **{"include-all": obj([]),
                      "include-controls": array(SELECT_CONTROL),
                      "exclude-controls": array(SELECT_CONTROL)})),
                  "control-objective-selections": array(obj(
                      [], description=TEXT, props=array(PROPERTY),
                      links=array(LINK), remarks=TEXT,
                      **{"include-all": obj([]),
                         "include-objectives": array(obj(["objective-id"], **{"objective-id": TOKEN})),
                         "exclude-objectives": array(obj(["objective-id"], **{"objective-id": TOKEN}))}))})
OBSERVATION = obj(["uuid", "description", "methods", "collected"],
                  uuid=UUID, title=TEXT, description=TEXT,
                  props=array(PROPERTY), links=array(LINK),
                  methods=array(STRING), types=array(TOKEN),
                  collected=DATETIME, expires=DATETIME, remarks=TEXT,
                  **{"relevant-evidence": array(obj(
                      ["description"], href=URIREF, description=TEXT,
                      props=array(PROPERTY), links=array(LINK),
                      remarks=TEXT))})
TARGET = obj(["type", "target-id", "status"],
             type=enum(STRING, "statement-id", "objective-id"),
             title=TEXT, description=TEXT, props=array(PROPERTY),
             links=array(LINK), remarks=TEXT,
             status=obj(["state"], state=enum(TOKEN, "satisfied", "not-satisfied"),
                        reason=TOKEN, remarks=TEXT),
             **{"target-id": TOKEN})
FINDING = obj(["uuid", "title", "description", "target"], uuid=UUID,
              title=TEXT, description=TEXT, props=array(PROPERTY),
              links=array(LINK), target=TARGET, remarks=TEXT,
              **{"related-observations": array(obj(["observation-uuid"],
                                                   **{"observation-uuid": UUID}))})
RESULT = obj(["uuid", "title", "description", "start", "reviewed-controls"],
             uuid=UUID, title=TEXT, description=TEXT, start=DATETIME,
             end=DATETIME, props=array(PROPERTY), links=array(LINK),
             observations=array(OBSERVATION), findings=array(FINDING),
             remarks=TEXT, **{"reviewed-controls": REVIEWED})
RESOURCE = obj(["uuid"], uuid=UUID, title=TEXT, description=TEXT,
               props=array(PROPERTY), remarks=TEXT)
BACK_MATTER = obj([], resources=array(RESOURCE))

SUBSET = {
    "assessment-results": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        **obj(["assessment-results"], **{"assessment-results": obj(
            ["uuid", "metadata", "import-ap", "results"], uuid=UUID,
            metadata=METADATA, results=array(RESULT),
            **{"import-ap": obj(["href"], href=URIREF, remarks=TEXT),
               "back-matter": BACK_MATTER})})},
    "assessment-plan": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        **obj(["assessment-plan"], **{"assessment-plan": obj(
            ["uuid", "metadata", "import-ssp", "reviewed-controls"],
            uuid=UUID, metadata=METADATA,
            **{"import-ssp": obj(["href"], href=URIREF, remarks=TEXT),
               "reviewed-controls": REVIEWED,
               "back-matter": BACK_MATTER})})},
}


def official(model):
    path = os.path.join(HERE, f"oscal_{model}_schema.json")
    if not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8").read()
    # \p{L} and \p{N} (JSON-escaped) in Python's re.
    text = text.replace("\\\\p{L}", "[^\\\\W\\\\d_]").replace("\\\\p{N}", "\\\\d")
    return json.loads(text)


def validate(model, doc):
    schema = official(model)
    name = f"oscal_{model}_schema.json (NIST, official)"
    if schema is None:
        schema, name = SUBSET[model], f"the OSCAL 1.0.4 {model} subset"
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(doc)]
    return errors, name
