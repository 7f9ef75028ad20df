package api

import "strings"

// initialisms are the words that Go spells in one case, as staticcheck's
// ST1003 check expects by default.
var initialisms = map[string]bool{
	"ACL": true, "AMQP": true, "API": true, "ASCII": true, "CPU": true,
	"CSS": true, "DB": true, "DNS": true, "EOF": true, "GID": true,
	"GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true,
	"IP": true, "JSON": true, "QPS": true, "RAM": true, "RPC": true,
	"RTP": true, "SIP": true, "SLA": true, "SMTP": true, "SQL": true,
	"SSH": true, "TCP": true, "TLS": true, "TS": true, "TTL": true,
	"UDP": true, "UI": true, "UID": true, "URI": true, "URL": true,
	"UTF8": true, "UUID": true, "VM": true, "XML": true, "XMPP": true,
	"XSRF": true, "XSS": true,
}

// GoName returns the exported Go name of a snake_case key: each word
// capitalised, initialisms in upper case, and an initialism's plural with a
// lower-case s. user_id → UserID, api_url → APIURL, user_ids → UserIDs.
func GoName(key string) string {
	var b strings.Builder
	for _, w := range strings.Split(key, "_") {
		if w == "" {
			continue
		}
		u := strings.ToUpper(w)
		switch {
		case initialisms[u]:
			b.WriteString(u)
		case len(u) > 2 && strings.HasSuffix(w, "s") && initialisms[u[:len(u)-1]]:
			b.WriteString(u[:len(u)-1] + "s")
		default:
			b.WriteString(u[:1] + w[1:])
		}
	}
	return b.String()
}
