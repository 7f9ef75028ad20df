package api

// Role is what a generated key method does.
type Role int

// The roles of a key's methods.
const (
	// Get returns the value, the default or the zero value: X().
	Get Role = iota
	// Lookup returns the value and whether it is set: LookupX().
	Lookup
	// Set stores a value: SetX(v).
	Set
	// Delete removes the value: DeleteX().
	Delete
	// Pop returns the value and removes it, for flash keys: PopX().
	Pop
	// Update replaces the value with a function's result as a
	// read-modify-write that the save checks against concurrent requests:
	// UpdateX(fn).
	Update
)

// String returns the role's name as used in messages: "getter", ...
func (r Role) String() string {
	switch r {
	case Get:
		return "getter"
	case Lookup:
		return "lookup method"
	case Set:
		return "setter"
	case Delete:
		return "delete method"
	case Pop:
		return "pop method"
	case Update:
		return "update method"
	}
	return "method"
}

// KeyMethod is one method generated for a key.
type KeyMethod struct {
	// Role says what it does.
	Role Role
	// Name is the method's name.
	Name string
}

// KeyMethods returns the methods generated for a key whose Go name is
// goName, in the order they are generated. A flash key is read once, with
// PopX, and has no getter or lookup method that would read it without
// removing it; its update method changes it in place, leaving it for PopX.
func KeyMethods(goName string, flash bool) []KeyMethod {
	if flash {
		return []KeyMethod{
			{Pop, "Pop" + goName},
			{Set, "Set" + goName},
			{Update, "Update" + goName},
			{Delete, "Delete" + goName},
		}
	}
	return []KeyMethod{
		{Get, goName},
		{Lookup, "Lookup" + goName},
		{Set, "Set" + goName},
		{Update, "Update" + goName},
		{Delete, "Delete" + goName},
	}
}
