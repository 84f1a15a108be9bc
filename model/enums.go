package model

// SourceKind is what a state was read from.
type SourceKind string

// Source kinds, as the documents spell them.
const (
	SourceRegistry      SourceKind = "registry"      // the live registry
	SourceRegFile       SourceKind = "regFile"       // a .reg export
	SourceStateDocument SourceKind = "stateDocument" // a ccproxy/state@1 document
	SourceNetsh         SourceKind = "netsh"         // 'netsh winhttp show proxy' text
	SourceFake          SourceKind = "fake"          // the in-memory registry of tests
	SourceBackup        SourceKind = "backup"        // a plan restore built from a backup
	SourceAdvproxy      SourceKind = "advproxy"      // 'netsh winhttp show advproxy' alone
)

// ChangeAction is what a planned change does to a registry value.
type ChangeAction string

// Change actions.
const (
	ActionCreate ChangeAction = "create"
	ActionUpdate ChangeAction = "update"
	ActionDelete ChangeAction = "delete"
)

// ChangeStatus is what became of a planned change in an apply.
type ChangeStatus string

// Change statuses.
const (
	ChangeApplied        ChangeStatus = "applied"
	ChangeAlreadyApplied ChangeStatus = "alreadyApplied"
	ChangeWouldApply     ChangeStatus = "wouldApply"
	ChangeNotApplied     ChangeStatus = "notApplied"
	ChangeRolledBack     ChangeStatus = "rolledBack"
)

// ApplyOutcome is the result of an apply or a restore as a whole.
type ApplyOutcome string

// Apply outcomes.
const (
	OutcomeApplied        ApplyOutcome = "applied"
	OutcomeAlreadyApplied ApplyOutcome = "alreadyApplied"
	OutcomeNoChanges      ApplyOutcome = "noChanges"
	OutcomeWhatIf         ApplyOutcome = "whatIf"
	OutcomeRolledBack     ApplyOutcome = "rolledBack"
	OutcomeRollbackFailed ApplyOutcome = "rollbackFailed"
)
