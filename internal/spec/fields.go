package spec

// SchemaFields lists the fields of a schema's top-level mapping. The JSON
// Schema in schema/sessions.schema.json lists the same; a test keeps them in
// step.
var SchemaFields = []string{"package", "user", "keys"}

// KeyFields lists the fields of one key's declaration.
var KeyFields = []string{
	"type", "doc", "default", "flash", "sensitive", "encrypted", "ttl", "on_sign_in", "renamed_from", "deprecated",
}

// UserFields lists the fields of the top-level user mapping.
var UserFields = []string{"type"}
