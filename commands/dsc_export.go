package commands

// DscExportCmd prints every instance.
type DscExportCmd struct {
	DscInput
	DscSource
}

func (c *DscExportCmd) Run(env *Env) error {
	env.dscSetupLog()
	req, _, err := env.dscRequest(c.DscInput, c.From)
	if err != nil {
		return err
	}
	lines, err := env.machine().DscExport(c.From, env.Stdin, req)
	if err != nil {
		return err
	}
	return env.dscEmit(lines...)
}
