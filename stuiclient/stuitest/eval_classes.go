package stuitest

import (
	"fmt"
	"time"
)

// The test evaluator knows a few classes by name, for code that has to mean
// the same here as in Pharo:
//
//   - Exception, Error and Warning answer signal and signal:, so that
//     evaluated code can signal an exception that is not an Error, as
//     `Exception signal` and `Warning signal: 'text'` do. Nothing handles
//     them: the evaluation answers a RuntimeError with the exception's
//     class, which is what docs/protocol.md asks of a server for any
//     unhandled exception.
//   - Time answers millisecondClockValue, so that a busy loop can bound
//     itself by the clock: [ Time millisecondClockValue - start < 20000 ]
//     whileTrue.
var globalClasses = map[string]bool{"Exception": true, "Error": true, "Warning": true, "Time": true}

// clockOrigin makes millisecondClockValue count from the backend's start,
// as Pharo's counts from the VM's.
var clockOrigin = time.Now()

// globalClass answers the class named name, if the evaluator knows it.
func globalClass(name string) (value, bool) {
	if !globalClasses[name] {
		return value{}, false
	}
	return value{kind: kClass, s: name}, true
}

// classMessage sends sel with args to a class the evaluator knows.
func classMessage(class value, sel string, args []value) (value, error) {
	if !globalClasses[class.s] {
		return value{}, dnu(class, sel)
	}
	if class.s == "Time" {
		if sel == "millisecondClockValue" && len(args) == 0 {
			return value{kind: kInt, i: time.Since(clockOrigin).Milliseconds()}, nil
		}
		return value{}, dnu(class, sel)
	}
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
