// The postMessage contract of the embedded mode (bankid-portal/1) as a validator: the JSON Schema
// docs/embed-messages.schema.json compiled with Ajv (draft 2020-12). Tests check every message the
// frame posts to the bank's page (and the page's messages to the frame) against it.
const path = require('path');
const Ajv2020 = require('ajv/dist/2020');

const schema = require(path.join(__dirname, '..', '..', 'docs', 'embed-messages.schema.json'));

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(schema);
const validateAny = ajv.getSchema(schema.$id);
/** The message names (`type`): the definitions the top-level `oneOf` refers to. */
const MESSAGES = schema.oneOf.map((s) => s.$ref.replace('#/$defs/', ''));

function result(validate, obj) {
  const ok = validate(obj) === true;
  return { ok, errors: ok ? [] : (validate.errors || []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`) };
}

/** Whether `obj` is exactly one message of the contract (either direction): `{ok, errors}`.
 * For an object whose `type` names a message, the errors are those against that message only. */
function validateMessage(obj) {
  const r = result(validateAny, obj);
  const type = obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? obj.type : undefined;
  if (r.ok || typeof type !== 'string' || !MESSAGES.includes(type)) return r;
  return { ok: false, errors: validateAs(type, obj).errors };
}

/** Whether `obj` is valid against one definition, e.g. `validateAs('resize', obj)` (`#/$defs/resize`). */
function validateAs(def, obj) {
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${def}`);
  if (!validate) throw new Error(`no definition #/$defs/${def} in ${schema.$id}`);
  return result(validate, obj);
}

module.exports = { validateMessage, validateAs, schema };
