package probe

// PublicCANames are substrings (matched ignoring case) of the CN or O of root CAs that
// public TLS certificates chain to: the roots behind the Citrix, Microsoft and Azure hosts
// and the other large public CAs. A verified chain ending at a root outside this list was
// most likely anchored by a root an administrator installed, which is how an inspecting
// proxy's certificates come to verify.
var PublicCANames = []string{
	"DigiCert", "Baltimore", "Cybertrust", "GeoTrust", "Thawte", "RapidSSL", "VeriSign", "Symantec",
	"Microsoft", "GlobalSign", "Sectigo", "COMODO", "USERTrust", "AddTrust", "The USERTRUST Network",
	"ISRG", "Internet Security Research Group", "Let's Encrypt", "Entrust", "GoDaddy", "Go Daddy",
	"Starfield", "Amazon", "Google Trust Services", "GTS Root", "IdenTrust", "QuoVadis", "Certum",
	"Unizeto", "Asseco", "Buypass", "SSL.com", "SSL Corporation", "Actalis", "HARICA",
	"Hellenic Academic", "SwissSign", "T-Systems", "Telekom", "D-TRUST", "D-Trust", "Certainly",
	"Trustwave", "SecureTrust", "Network Solutions", "SECOM", "Security Communication",
	"Microsec", "e-Szigno", "WISeKey", "OISTE", "Telia", "Certigna", "Dhimyotis", "Izenpe",
	"Firmaprofesional", "emSign", "eMudhra", "Chunghwa", "TWCA", "Hongkong Post", "TrustAsia",
	"AffirmTrust", "Atos", "certSIGN", "Camerfirma", "ACCV", "NAVER", "Autoridad de Certificacion",
	"E-Tugra", "Trustwave Holdings", "CFCA", "GDCA", "UniTrust", "vTrus", "Disig", "ANF",
}

// InspectionProducts are names found in the certificates that TLS-inspecting proxies and
// security agents issue on the fly (Citrix names several in its proxy article).
var InspectionProducts = []string{
	"Zscaler", "Netskope", "Blue Coat", "BlueCoat", "ProxySG", "Palo Alto", "GlobalProtect",
	"Fortinet", "FortiGate", "Forcepoint", "Websense", "Sophos", "Cisco Umbrella", "Umbrella",
	"Check Point", "Checkpoint", "Barracuda", "McAfee Web Gateway", "Skyhigh", "Menlo Security",
	"iboss", "Cloudflare Gateway", "WatchGuard", "SonicWall", "Untangle", "Kaspersky",
	"ESET SSL Filter", "Avast", "AVG Technologies", "Bitdefender", "Trend Micro", "Squid",
	"mitmproxy", "Fiddler", "Charles Proxy", "Burp", "SSL Inspection", "TLS Inspection",
	"SSL Decryption", "Deep Inspection",
}
