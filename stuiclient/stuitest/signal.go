package stuitest

import "fmt"

// The test evaluator knows three exception classes, so that evaluated code
// can signal an exception that is not an Error, as `Exception signal` and
// `Warning signal: 'text'` do in Pharo. Nothing handles them: an evaluation
// that signals one answers a RuntimeError with the exception's class, which
// is what docs/protocol.md asks of a server for any unhandled exception.
var exceptionClasses = map[string]bool{"Exception": true, "Error": true, "Warning": true}

// exceptionClass answers the class named name, if it is one of those.
func exceptionClass(name string) (value, bool) {
	if !exceptionClasses[name] {
		return value{}, false
	}
	return value{kind: kClass, s: name}, true
}

// signal sends sel with args to an exception class: signal and signal:
// raise a new instance; anything else is not understood.
func signal(class value, sel string, args []value) (value, error) {
	stack := []string{fmt.Sprintf("%s(Exception)>>signal", class.s), fmt.Sprintf("%s class(Exception class)>>%s", class.s, sel),
		"UndefinedObject>>DoIt", "OpalCompiler>>evaluate"}
	switch {
	case sel == "signal" && len(args) == 0:
		return value{}, &runtimeError{class.s, "An instance of " + class.s, stack}
	case sel == "signal:" && len(args) == 1 && args[0].kind == kString:
		return value{}, &runtimeError{class.s, args[0].s, stack}
	}
	return value{}, dnu(class, sel)
}
