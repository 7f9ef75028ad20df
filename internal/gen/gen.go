package gen

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/sessiongen/sessiongen/internal/api"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// runtimePath is the import path of the runtime package the generated code
// calls.
const runtimePath = "github.com/sessiongen/sessiongen/runtime"

// Local names used inside generated functions. An imported package may not
// take one of them as its name, or the function would not see it.
const (
	recv  = "sess"
	param = "v"
	okVar = "ok"
)

// Generate returns the Go source of the accessors for s, with a header
// that names no version. s must come from spec.Read, with its Package set.
func Generate(s *spec.Schema) ([]byte, error) { return GenerateWith(s, Options{}) }

// GenerateWith returns the Go source of the accessors for s, with the
// header opts describe. s must come from spec.Read, with its Package set.
func GenerateWith(s *spec.Schema, opts Options) ([]byte, error) {
	if s.Package == "" {
		return nil, errors.New("gen: no package name")
	}
	f := newFile(s, opts)
	source := filepath.Base(s.File)
	headerSource := opts.Source
	if headerSource == "" {
		headerSource = source
	}
	headerComments(f, opts, headerSource)
	reserveImportNames(f, s)

	versionGuard(f)
	typeDecl(f, source, s.User != nil, len(droppedKeys(s)) > 0)
	fromFuncs(f)
	userDecls(f, s)
	dropDecls(f, s)
	for _, k := range s.Keys {
		keyMethods(f, k)
	}
	keysFunc(f, s)

	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	out, err := groupImports(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gen: grouping the imports: %w", err)
	}
	return out, nil
}

// sessionType returns *Session.
func sessionType() *jen.Statement { return jen.Op("*").Id(api.TypeName) }

// receiver returns the receiver of the generated methods: (sess *Session).
func receiver() *jen.Statement { return jen.Id(recv).Add(sessionType()) }

// inner returns sess.runtimeSession, the embedded runtime session.
func inner() *jen.Statement { return jen.Id(recv).Dot(api.RuntimeName) }

// rt returns runtime.name.
func rt(name string) *jen.Statement { return jen.Qual(runtimePath, name) }

// lifecycleExamples are lifecycle methods that the session type's comment
// names. Each is in api.Lifecycle, as a test checks.
var lifecycleExamples = []string{"Flush", "CycleKey", "SignIn", "SetExpiry", "Err"}

// typeDecl emits the Session type, which embeds the runtime session through
// an unexported alias: the field is unexported, and the lifecycle methods of
// runtime.Session are promoted, with their documentation in one place.
func typeDecl(f *jen.File, source string, typedUser, dropped bool) {
	f.Comment(wrap(fmt.Sprintf("%s is runtime.Session under a name of this package, so that the field "+
		"of %s that embeds it is unexported while its methods are promoted.", api.RuntimeName, api.TypeName)))
	f.Type().Id(api.RuntimeName).Op("=").Add(rt("Session"))
	examples := strings.Join(lifecycleExamples[:len(lifecycleExamples)-1], ", ") + " and " +
		lifecycleExamples[len(lifecycleExamples)-1]
	f.Comment(wrap(fmt.Sprintf("%s is the typed session of one request, with an accessor for each key "+
		"declared in %s. Get it with %s or %s; it loads nothing until it is first used.\n\n"+
		"Its lifecycle methods, such as %s, are those of runtime.Session, which it embeds. "+
		"go doc does not list methods promoted from another package; they are documented by\n\n"+
		"\tgo doc %s.Session", api.TypeName, source, api.FromName, api.FromContextName, examples, runtimePath)))
	switch {
	case typedUser && dropped:
		f.Comment("")
		f.Comment(wrap(fmt.Sprintf("SignIn, BoundUser and CycleKey are the exceptions, declared here: %s "+
			"declares the user id's type, which SignIn takes and BoundUser returns, and marks keys "+
			"on_sign_in: drop, which SignIn and CycleKey remove.", source)))
	case typedUser:
		f.Comment("")
		f.Comment(wrap(fmt.Sprintf("SignIn and BoundUser are the exceptions: %s declares the user id's type, "+
			"so they are declared here, taking and returning it.", source)))
	case dropped:
		f.Comment("")
		f.Comment(wrap(fmt.Sprintf("SignIn and CycleKey are the exceptions, declared here: they also remove "+
			"the keys that %s marks on_sign_in: drop.", source)))
	}
	f.Type().Id(api.TypeName).Struct(
		jen.Op("*").Id(api.RuntimeName),
	)
}

// fromFuncs emits From and FromContext.
func fromFuncs(f *jen.File) {
	f.Comment(wrap(fmt.Sprintf("%s returns the session of r. It does no I/O: the session is loaded when first "+
		"used. It panics if r did not pass through the runtime.Manager's Middleware.", api.FromName)))
	f.Func().Id(api.FromName).Params(jen.Id("r").Op("*").Qual("net/http", "Request")).Add(sessionType()).Block(
		jen.Return(jen.Op("&").Id(api.TypeName).Values(rt("FromRequest").Call(jen.Id("r")))),
	)
	f.Comment(wrap(fmt.Sprintf("%s returns the session stored in ctx by the runtime.Manager's Middleware, "+
		"and whether there is one.", api.FromContextName)))
	f.Func().Id(api.FromContextName).Params(jen.Id("ctx").Qual("context", "Context")).Params(sessionType(), jen.Bool()).Block(
		jen.List(jen.Id("s"), jen.Id(okVar)).Op(":=").Add(rt("FromContext")).Call(jen.Id("ctx")),
		jen.If(jen.Op("!").Id(okVar)).Block(jen.Return(jen.Nil(), jen.False())),
		jen.Return(jen.Op("&").Id(api.TypeName).Values(jen.Id("s")), jen.True()),
	)
}

// keysFunc emits Keys, which describes the schema's keys.
func keysFunc(f *jen.File, s *spec.Schema) {
	f.Comment(wrap(fmt.Sprintf("%s describes the session keys in declaration order, for tools such as the "+
		"admin page. It returns a new slice on each call.", api.KeysName)))
	f.Func().Id(api.KeysName).Params().Index().Add(rt("KeyInfo")).Block(
		jen.Return(jen.Index().Add(rt("KeyInfo")).ValuesFunc(func(g *jen.Group) {
			for _, k := range s.Keys {
				fields := []jen.Code{
					jen.Line().Id("Name").Op(":").Lit(k.Name),
					jen.Line().Id("GoType").Op(":").Lit(k.Type.String()),
				}
				if k.Doc != "" {
					fields = append(fields, jen.Line().Id("Doc").Op(":").Lit(k.Doc))
				}
				if k.Sensitive {
					fields = append(fields, jen.Line().Id("Sensitive").Op(":").True())
				}
				if k.Flash {
					fields = append(fields, jen.Line().Id("Flash").Op(":").True())
				}
				if k.TTL > 0 {
					fields = append(fields, jen.Line().Id("TTL").Op(":").Add(duration(k.TTL)))
				}
				if k.Encrypted {
					fields = append(fields, jen.Line().Id("Encrypted").Op(":").True())
				}
				if k.DropOnSignIn {
					fields = append(fields, jen.Line().Id("DropOnSignIn").Op(":").True())
				}
				g.Line().Values(append(fields, jen.Line())...)
			}
			g.Line()
		})),
	)
}
