package api

// Param is a parameter of a lifecycle method.
type Param struct {
	// Name is the parameter's name.
	Name string
	// Type is its type, one of the names TypeRef understands.
	Type TypeRef
}

// TypeRef names a type in a lifecycle method's signature.
type TypeRef string

// The types that lifecycle methods take and return.
const (
	Bool     TypeRef = "bool"
	Error    TypeRef = "error"
	Duration TypeRef = "time.Duration"
	Time     TypeRef = "time.Time"
	Expiry   TypeRef = "runtime.Expiry"
	String   TypeRef = "string"
)

// Method is a lifecycle method of the generated session type. It forwards to
// the runtime session's method of the same name.
type Method struct {
	// Name is the method's name, the same on both types.
	Name string
	// Params are its parameters.
	Params []Param
	// Results are its result types, none for none.
	Results []TypeRef
	// Doc is its doc comment, starting with the name.
	Doc string
}

// NotForwarded lists the exported methods of runtime.Session that the
// generated type deliberately leaves out: applications that need them
// reach the runtime session with runtime.FromRequest.
var NotForwarded = []string{"Hash"}

// Lifecycle lists the lifecycle methods of the generated session type in
// the order they are generated.
var Lifecycle = []Method{
	{
		Name: "Flush",
		Doc: "Flush empties the session and ends it: its stored row is deleted, its cookie is expired, " +
			"and anything set afterwards is saved under a new token. Call it when a user signs out.",
	},
	{
		Name: "CycleKey",
		Doc: "CycleKey gives the session a new token while keeping its data; the old token stops working " +
			"when the session is saved. Call it when a user signs in.",
	},
	{
		Name:   "SignIn",
		Params: []Param{{Name: "userID", Type: String}},
		Doc: "SignIn cycles the session key, as CycleKey does, and binds the session to userID, kept beside " +
			"the data so that a user's sessions can be listed and ended together (\"your devices\", " +
			"\"sign out everywhere\"). Call it when a user signs in.",
	},
	{
		Name:    "BoundUser",
		Results: []TypeRef{String, Bool},
		Doc:     "BoundUser returns the user the session was bound to by SignIn, and whether it is bound.",
	},
	{
		Name:    "IsEmpty",
		Results: []TypeRef{Bool},
		Doc: "IsEmpty reports whether the session holds no data. A session emptied by the handler is " +
			"deleted, and its cookie expired, when the request ends.",
	},
	{
		Name:   "SetExpiry",
		Params: []Param{{Name: "e", Type: Expiry}},
		Doc: "SetExpiry sets when the session ends: runtime.ExpireAfter(d), runtime.ExpireAt(t), " +
			"runtime.ExpireAtBrowserClose() or runtime.ExpireDefault(). It takes effect when the session is saved.",
	},
	{
		Name:    "ExpiryAge",
		Results: []TypeRef{Duration},
		Doc:     "ExpiryAge returns how long from now the session will last once saved.",
	},
	{
		Name:    "ExpiryDate",
		Results: []TypeRef{Time},
		Doc:     "ExpiryDate returns when the session will end if it is saved now.",
	},
	{
		Name:    "ExpiresAtBrowserClose",
		Results: []TypeRef{Bool},
		Doc:     "ExpiresAtBrowserClose reports whether the session's cookie lasts only until the browser closes.",
	},
	{
		Name: "SetTestCookie",
		Doc: "SetTestCookie stores a marker that TestCookieWorked finds on a later request if the browser " +
			"sent the cookie back.",
	},
	{
		Name:    "TestCookieWorked",
		Results: []TypeRef{Bool},
		Doc: "TestCookieWorked reports whether the marker of SetTestCookie came back, that is, whether " +
			"the browser accepts cookies.",
	},
	{
		Name: "DeleteTestCookie",
		Doc:  "DeleteTestCookie removes the marker of SetTestCookie.",
	},
	{
		Name: "MarkModified",
		Doc: "MarkModified makes the session save when the request ends even if no key changed, which " +
			"refreshes its expiry and cookie.",
	},
	{
		Name:    "Err",
		Results: []TypeRef{Error},
		Doc: "Err loads the session if it is not loaded yet and returns the error that will replace the " +
			"response: the store failed to load it, or a value could not be encoded. Handlers need not " +
			"check it; it lets one stop early.",
	},
}
