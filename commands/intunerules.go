package commands

import "ccproxy/model/compliance"

// IntuneRulesCmd prints the Intune custom compliance rules matching 'test --format intune'.
type IntuneRulesCmd struct{}

func (c *IntuneRulesCmd) Run(env *Env) error {
	return env.Emit(compliance.Rules())
}
