package spec

// NamedDefaults is namedDefaults, for the tests of package spec_test.
var NamedDefaults = namedDefaults
