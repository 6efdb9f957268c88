package stuiproto

// NewParams returns a pointer to a new zero value of the command's parameter
// type, or nil when the command is unknown.
func NewParams(command string) any {
	if s, ok := Lookup(command); ok {
		return s.NewParams()
	}
	return nil
}

// NewResult returns a pointer to a new zero value of the command's result
// type, or nil when the command is unknown.
func NewResult(command string) any {
	if s, ok := Lookup(command); ok {
		return s.NewResult()
	}
	return nil
}
