package gen

import (
	"strconv"
	"time"

	"github.com/dave/jennifer/jen"
	"github.com/sessiongen/sessiongen/internal/gotype"
	"github.com/sessiongen/sessiongen/internal/spec"
)

// newFile returns the generated file, of package s.Package at the import
// path opts.PkgPath when known: jennifer writes jen.Qual of that path, the
// key types of the generated package itself, without a qualifier.
func newFile(s *spec.Schema, opts Options) *jen.File {
	return jen.NewFilePathName(opts.PkgPath, s.Package)
}

// typeCode returns the Go code of t.
func typeCode(t *spec.Type) *jen.Statement {
	switch t.Kind {
	case spec.Slice:
		return jen.Index().Add(typeCode(t.Elem))
	case spec.Map:
		return jen.Map(jen.String()).Add(typeCode(t.Elem))
	case spec.Named:
		return jen.Qual(t.Path, t.Name)
	}
	return jen.Id(t.Name)
}

// literal returns the Go code of the default v of type t. Inside a
// composite literal, elided says to leave out the type of a composite
// element, as gofmt -s does.
func literal(t *spec.Type, v *spec.Value, elided bool) *jen.Statement {
	switch t.Kind {
	case spec.Slice:
		var elems []jen.Code
		for _, e := range v.Elems {
			elems = append(elems, literal(t.Elem, e, true))
		}
		return composite(t, elided).Values(elems...)
	case spec.Map:
		var entries []jen.Code
		for _, e := range v.Entries {
			entries = append(entries, jen.Lit(e.Key).Op(":").Add(literal(t.Elem, e.Value, true)))
		}
		return composite(t, elided).Values(entries...)
	}
	if info, _ := t.Info(); info.Kind == gotype.Duration {
		return duration(v.Duration)
	}
	return jen.Id(v.Text(t)) // a predeclared type's default reads the same in Go
}

// composite returns the type of a composite literal of type t, or nothing
// when it is elided.
func composite(t *spec.Type, elided bool) *jen.Statement {
	if elided {
		return jen.Null()
	}
	return typeCode(t)
}

// duration returns d as a constant expression in the largest unit that
// divides it: 90 * time.Second, 2 * time.Hour.
func duration(d time.Duration) *jen.Statement {
	units := []struct {
		name string
		d    time.Duration
	}{
		{"Hour", time.Hour}, {"Minute", time.Minute}, {"Second", time.Second},
		{"Millisecond", time.Millisecond}, {"Microsecond", time.Microsecond},
	}
	if d == 0 {
		return jen.Lit(0)
	}
	for _, u := range units {
		if d%u.d == 0 {
			n := int64(d / u.d)
			if n == 1 {
				return jen.Qual("time", u.name)
			}
			return jen.Id(strconv.FormatInt(n, 10)).Op("*").Qual("time", u.name)
		}
	}
	return jen.Qual("time", "Duration").Call(jen.Id(strconv.FormatInt(int64(d), 10)))
}
