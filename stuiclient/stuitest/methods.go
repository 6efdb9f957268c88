package stuitest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stui-lsp/stui-lsp/smalltalk"
	"github.com/stui-lsp/stui-lsp/stuiclient/stuiproto"
)

// The methods of the Backend's classes run. A class the Backend has (one
// defined by define_class or AddClass) is a global of evaluated code; new
// (or basicNew) answers an instance whose instance variables are nil, and a
// message sent to an instance or to the class runs the method compile_method
// (or a saved Tonel file) put there, found up the superclass chain as
// Smalltalk's lookup finds it, super from the method's class's superclass.
// Each send is a method activation, a frame of its own: self is the
// receiver, the arguments and temporaries are its variables, the receiver's
// instance variables are read and assigned by name, ^ returns from the
// method and a method without one answers self. Under the debugger
// (process.go) every statement of a frame is a place the process can stop:
// at a breakpoint, a step's end, an error or a halt.
//
// Besides the evaluator's subset the frames understand ifTrue:, ifFalse:,
// ifTrue:ifFalse:, ifFalse:ifTrue: and ifNil: with block arguments, isNil,
// notNil, == and ~~. Blocks run in the frame that sends them value, not in
// the frame that made them.

// maxFrames bounds the recursion of method activations: deeper sends fail
// the evaluation instead of exhausting the Go stack.
const maxFrames = 400

// object is an instance of a class of the Backend.
type object struct {
	class string
	slots map[string]value
}

// foundMethod is a method a send found, copied out of the classes.
type foundMethod struct {
	class     string // the class that defines it
	selector  string
	classSide bool
	source    string
}

// frame is one method activation, or the evaluated code's own (isDoIt).
type frame struct {
	method foundMethod
	isDoIt bool
	recv   value
	file   *smalltalk.File
	stmts  []smalltalk.Node
	// pc is the index of the statement the frame is at.
	pc          int
	args, temps []string
	vars        map[string]value
}

// name is the frame as a stack trace line names it: "Counter>>increment".
func (fr *frame) name() string {
	if fr.isDoIt {
		return "UndefinedObject>>DoIt"
	}
	recv := fr.recv.className()
	class := fr.methodClass()
	if recv != class {
		return fmt.Sprintf("%s(%s)>>%s", recv, class, fr.method.selector)
	}
	return recv + ">>" + fr.method.selector
}

func (fr *frame) methodClass() string {
	if fr.method.classSide {
		return fr.method.class + " class"
	}
	return fr.method.class
}

// line is the 1-based line of the statement the frame is at, in its
// source.
func (fr *frame) line() (line, col int) {
	offset := len(fr.file.Src)
	if fr.pc < len(fr.stmts) {
		offset = fr.stmts[fr.pc].Span().Start
	}
	return fr.file.LineCol(offset)
}

// wire is the frame as debug_stack shows it.
func (fr *frame) wire(withSource bool) stuiproto.DebugFrame {
	line, col := fr.line()
	if fr.isDoIt {
		return stuiproto.DebugFrame{ReceiverClass: "UndefinedObject", MethodClass: "UndefinedObject",
			Selector: "DoIt", Line: line, Column: col, Source: string(fr.file.Src), IsDoIt: true}
	}
	f := stuiproto.DebugFrame{ReceiverClass: fr.recv.className(), MethodClass: fr.methodClass(), Selector: fr.method.selector,
		IsClassSide: fr.method.classSide, Line: line, Column: col}
	if withSource {
		f.Source = fr.method.source
	}
	return f
}

// restartTemps sets the temporaries back to nil, as a restart of the frame
// does; a DoIt's variables are the session's and stay.
func (fr *frame) restartTemps() {
	fr.pc = 0
	if fr.isDoIt {
		return
	}
	for _, t := range fr.temps {
		fr.vars[t] = value{}
	}
}

func withArticle(class string) string {
	if class != "" && strings.ContainsRune("AEIOU", rune(class[0])) {
		return "an " + class
	}
	return "a " + class
}

// hasClass reports whether the Backend has a class named name.
func (b *Backend) hasClass(name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.classes[name]
	return ok
}

// findMethod looks sel up from class up the superclass chain. The system
// classes' methods (Object's) are the evaluator's own messages, not run.
func (b *Backend) findMethod(class string, classSide bool, sel string) (foundMethod, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.chain(class) {
		if c.IsSystem {
			break
		}
		if m := c.method(sel, classSide); m != nil {
			return foundMethod{class: c.Name, selector: sel, classSide: classSide, source: m.Source}, true
		}
	}
	return foundMethod{}, false
}

func (b *Backend) superclassOf(class string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.classes[class]; ok {
		return c.Superclass
	}
	return ""
}

// instVarNames are a class's instance variables, the inherited first.
func (b *Backend) instVarNames(class string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.instVarNamesLocked(class)
}

func (b *Backend) instVarNamesLocked(class string) []string {
	chain := b.chain(class)
	var names []string
	for i := len(chain) - 1; i >= 0; i-- {
		names = append(names, chain[i].InstanceVars...)
	}
	return names
}

func (b *Backend) newInstance(class string) value {
	o := &object{class: class, slots: map[string]value{}}
	for _, n := range b.instVarNames(class) {
		o.slots[n] = value{}
	}
	return value{kind: kInstance, obj: o}
}

// frameVariable reads a name of the running method: an argument or a
// temporary, self, or an instance variable of the receiver.
func (e *evaluator) frameVariable(name string) (value, bool) {
	if e.frame == nil || e.frame.isDoIt {
		return value{}, false
	}
	if name == "self" || name == "super" {
		return e.frame.recv, true
	}
	if v, ok := e.vars[name]; ok {
		return v, true
	}
	if o := e.frame.recv.obj; o != nil {
		if v, ok := o.slots[name]; ok {
			return v, true
		}
	}
	return value{}, false
}

// assign stores into a variable: the receiver's instance variable of that
// name unless an argument or temporary hides it.
func (e *evaluator) assign(name string, v value) {
	if e.frame != nil && !e.frame.isDoIt {
		if _, declared := e.vars[name]; !declared {
			if o := e.frame.recv.obj; o != nil {
				if _, ok := o.slots[name]; ok {
					o.slots[name] = v
					return
				}
			}
		}
	}
	e.vars[name] = v
}

// sendToImage runs m if its receiver is an instance or a class of the
// Backend that has (or inherits) the method; ok is false when the
// evaluator's own messages are to answer it.
func (e *evaluator) sendToImage(recv value, m *smalltalk.Message, args []value) (value, bool, error) {
	if e.image == nil {
		return value{}, false, nil
	}
	var class string
	classSide := false
	switch {
	case recv.kind == kInstance:
		class = recv.obj.class
	case recv.kind == kClass && !globalClasses[recv.s] && e.image.hasClass(recv.s):
		class, classSide = recv.s, true
	default:
		return value{}, false, nil
	}
	start := class
	if v, ok := m.Receiver.(*smalltalk.Variable); ok && v.Name == "super" && e.frame != nil && !e.frame.isDoIt {
		start = e.image.superclassOf(e.frame.method.class)
	}
	if found, ok := e.image.findMethod(start, classSide, m.Selector); ok {
		v, err := e.activate(recv, found, args)
		return v, true, err
	}
	if classSide && len(args) == 0 {
		switch m.Selector {
		case "new", "basicNew":
			return e.image.newInstance(class), true, nil
		case "name":
			return value{kind: kString, s: class}, true, nil
		}
	}
	return value{}, false, nil
}

// activate runs a method on recv with args, in a frame of its own.
func (e *evaluator) activate(recv value, m foundMethod, args []value) (value, error) {
	if e.depth >= maxFrames {
		return value{}, &runtimeError{"Error", fmt.Sprintf("the test evaluator's stack is full (%d frames)", maxFrames),
			[]string{"UndefinedObject>>DoIt"}}
	}
	f := smalltalk.ParseMethod([]byte(m.source))
	if len(f.Methods) != 1 || f.Methods[0].Body == nil || checkSyntax(f, f.Methods[0].Body) != nil {
		return value{}, &runtimeError{"Error", fmt.Sprintf("%s>>%s does not compile", m.class, m.selector), []string{"UndefinedObject>>DoIt"}}
	}
	meth := f.Methods[0]
	fr := &frame{method: m, recv: recv, file: f, stmts: meth.Body.Statements, vars: map[string]value{}}
	for i, a := range meth.Args {
		fr.args = append(fr.args, a.Name)
		if i < len(args) {
			fr.vars[a.Name] = args[i]
		}
	}
	for _, t := range meth.Body.Temps {
		fr.temps = append(fr.temps, t.Name)
		fr.vars[t.Name] = value{}
	}
	child := &evaluator{ctx: e.ctx, file: f, vars: fr.vars, image: e.image, frame: fr, proc: e.proc, depth: e.depth + 1}
	v, err := child.runFrame(fr)
	var re *runtimeError
	if errors.As(err, &re) {
		re.stack = withFrame(re.stack, fr.name())
	}
	return v, err
}

// withFrame puts a method's frame into an error's stack trace, above the
// DoIt's, as the error passes out of it.
func withFrame(stack []string, name string) []string {
	for i, s := range stack {
		if strings.HasPrefix(s, "UndefinedObject>>DoIt") {
			out := append(append(append([]string{}, stack[:i]...), name), stack[i:]...)
			return out
		}
	}
	return stack
}

// runFrame runs a frame's statements: under the debugger through its
// process, else straight through.
func (e *evaluator) runFrame(fr *frame) (value, error) {
	if e.proc != nil {
		return e.proc.runFrame(e, fr)
	}
	_, err := e.sequence(fr.stmts)
	var r *returned
	if errors.As(err, &r) {
		return r.v, nil
	}
	if err != nil {
		return value{}, err
	}
	return fr.recv, nil
}

// control answers the conditionals, which Pharo's compiler inlines.
func (e *evaluator) control(recv value, sel string, args []value) (value, bool, error) {
	branch := func(v value) (value, bool, error) {
		if v.kind != kBlock {
			return v, true, nil
		}
		r, err := e.runBlock(v)
		return r, true, err
	}
	if sel == "ifNil:" {
		if recv.kind == kNil {
			return branch(args[0])
		}
		return recv, true, nil
	}
	if recv.kind != kBool {
		return value{}, false, nil
	}
	switch sel {
	case "ifTrue:", "ifFalse:":
		if recv.b == (sel == "ifTrue:") {
			return branch(args[0])
		}
		return value{}, true, nil
	case "ifTrue:ifFalse:":
		if recv.b {
			return branch(args[0])
		}
		return branch(args[1])
	case "ifFalse:ifTrue:":
		if recv.b {
			return branch(args[1])
		}
		return branch(args[0])
	}
	return value{}, false, nil
}
