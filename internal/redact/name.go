package redact

// What Match looks past in a name: the brackets of a form-style key
// (before it compares the patterns) and a last word that names an
// encoding (a pattern of its own, so that it costs most names nothing).

// lastName returns the name a form-style or bracketed key ends in: what
// its last brackets hold, the innermost of nested ones. user[password],
// data[user][password], a[b[password]] and headers["Authorization"] give
// password and Authorization; password[0], password[] and
// user[password][0] give password. The last brackets run from the last
// "[" to the "]" after it, and only "]" may follow them: a key with a name
// after them (a[b]c]) or none opened ("]") is left as it is. Each step
// reads only what it cuts off the end of name, so that a key costs time
// in proportion to its length however deeply it nests.
func lastName(name string) string {
	for len(name) > 0 && name[len(name)-1] == ']' {
		end := len(name) - 1 // the first "]" of those that end name
		for end > 0 && name[end-1] == ']' {
			end--
		}
		open := end - 1 // the "[" before it, with no "]" between
		for open >= 0 && name[open] != '[' {
			if name[open] == ']' {
				return name
			}
			open--
		}
		if open < 0 {
			return name
		}
		inner := name[open+1 : end]
		if len(inner) >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[len(inner)-1] == inner[0] {
			inner = inner[1 : len(inner)-1]
		}
		if !isIndex(inner) {
			return inner
		}
		name = name[:open] // an index or []: the array's own name
	}
	return name
}

// isIndex reports whether s is empty or all digits.
func isIndex(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// encodings name how a value is written, not what it is: a last word
// among them, after "-", "_", "." or as a camel-case word, is looked past
// (private_key_pem, PrivateKeyPEM, credentials_json, token_b64). A hash,
// a path or a time is something else (password_hash, private_key_file,
// password_changed_at). Every rule has them.
var encodings = []string{"pem", "der", "hex", "b64", "base64", "json"}

// restatements name a second copy of the value, not something else: a
// form's confirmation field (password_confirmation, as Rails names it,
// passwordConfirm). Looked past as encodings are. Only these two: every
// other word (password_new, password_repeat) would let more innocent
// keys past the rule's two-byte check (_at, _type, agent, count), at a
// cost on every field; a form's new or old password is new_password.
// A hash is not a copy (token_hash): it is what a program logs instead
// of the value.
var restatements = []string{"confirmation", "confirm"}

// withoutNumber returns name without the number that ends it and one
// separator before that (password1, password_2, api_key2), or "" when
// nothing would be left. Django names a form's two password fields
// password1 and password2.
func withoutNumber(name string) string {
	end := len(name)
	for end > 0 && '0' <= name[end-1] && name[end-1] <= '9' {
		end--
	}
	if end > 0 && isSeparator(name[end-1]) {
		end--
	}
	return name[:end]
}
