package imap

import (
	"fmt"

	"mstore/store"
)

// The rows of TestACLMatrix (acl_matrix_test.go): first the rights that
// come as granted / denied / taken-away triples, then single rows for the
// combinations around them.

// body is matrixMsg as a FETCH BODY[] literal inlines it.
const body = "BODY[] {45}\r\n" + matrixMsg

func matrixCases() []rightCase {
	selectPre := []string{"SELECT %m"}
	quotaOK := []string{"* QUOTAROOT %m foo.com/users/joe/m{n}", "* QUOTA foo.com/users/joe/m{n} (MESSAGE 1 10)", done("GETQUOTAROOT")}
	return []rightCase{
		// Listing: LIST needs l and never answers NO.
		{cmd: "LIST", right: "l", over: "anyone", send: `LIST "" %m`,
			ok: []string{`* LIST (\HasNoChildren) "/" %m`, done("LIST")}, no: []string{done("LIST")}},
		{cmd: "LIST r", right: "l", base: "r", over: "authenticated", send: `LIST "" %m`,
			ok: []string{`* LIST (\HasNoChildren) "/" %m`, done("LIST")}, no: []string{done("LIST")}},
		// SUBSCRIBE does not check that the mailbox exists, so LSUB needs
		// no right (RFC 4314 section 4); LIST (SUBSCRIBED) shows what the
		// caller may not see as it shows a name that does not exist.
		{cmd: "LSUB", right: "l", over: "anyone", pre: []string{"SUBSCRIBE %m"}, send: `LSUB "" %m`,
			ok: []string{`* LSUB () "/" %m`, done("LSUB")}, no: []string{`* LSUB () "/" %m`, done("LSUB")}},
		{cmd: "LIST (SUBSCRIBED)", right: "l", over: "authenticated", pre: []string{"SUBSCRIBE %m"}, send: `LIST (SUBSCRIBED) "" %m`,
			ok: []string{`* LIST (\HasNoChildren \Subscribed) "/" %m`, done("LIST")},
			no: []string{`* LIST (\NonExistent \HasNoChildren \Subscribed) "/" %m`, done("LIST")}},

		// r: SELECT, EXAMINE, STATUS; without l and r the mailbox is not there.
		{cmd: "SELECT", right: "r", base: "l", over: "anyone", send: "SELECT %m",
			ok: selectWant("SELECT", "", "READ-ONLY"), no: []string{noPerm}},
		{cmd: "SELECT", right: "r", over: "authenticated", send: "SELECT %m",
			ok: selectWant("SELECT", "", "READ-ONLY"), no: []string{noSuch}},
		// LIST-STATUS (RFC 5819) gives no STATUS without r.
		{cmd: "LIST RETURN (STATUS)", right: "r", base: "l", over: "authenticated", send: `LIST "" %m RETURN (STATUS (MESSAGES))`,
			ok: []string{`* LIST (\HasNoChildren) "/" %m`, "* STATUS %m (MESSAGES 1)", done("LIST")},
			no: []string{`* LIST (\HasNoChildren) "/" %m`, done("LIST")}},
		{cmd: "EXAMINE", right: "r", base: "l", over: "authenticated", send: "EXAMINE %m",
			ok: selectWant("EXAMINE", "", "READ-ONLY"), no: []string{noPerm}},
		{cmd: "STATUS", right: "r", base: "l", over: "anyone", send: "STATUS %m (MESSAGES UNSEEN)",
			ok: []string{"* STATUS %m (MESSAGES 1 UNSEEN 1)", done("STATUS")}, no: []string{noPerm}},
		{cmd: "STATUS", right: "r", over: "anyone", send: "STATUS %m (MESSAGES UNSEEN)",
			ok: []string{"* STATUS %m (MESSAGES 1 UNSEEN 1)", done("STATUS")}, no: []string{noSuch}},

		// s: FETCH of a body sets \Seen (ann's own) only with s.
		{cmd: "FETCH BODY[]", right: "s", base: "rw", over: "anyone", pre: selectPre, send: "FETCH 1 (BODY[])",
			ok: []string{`* 1 FETCH (` + body + ` FLAGS (\Seen))`, done("FETCH")},
			no: []string{`* 1 FETCH (` + body + `)`, done("FETCH")}, check: seenCheck},
		// STORE: flags the caller may not change are left as they are.
		{cmd: `STORE \Seen`, right: "s", base: "rw", over: "authenticated", pre: selectPre, send: `STORE 1 +FLAGS (\Seen)`,
			ok: []string{`* 1 FETCH (FLAGS (\Seen))`, done("STORE")},
			no: []string{`* 1 FETCH (FLAGS ())`, done("STORE")}, check: seenCheck},
		{cmd: `STORE \Flagged`, right: "w", base: "rs", over: "anyone", pre: selectPre, send: `STORE 1 +FLAGS (\Flagged)`,
			ok: []string{`* 1 FETCH (FLAGS (\Flagged))`, done("STORE")},
			no: []string{`* 1 FETCH (FLAGS ())`, done("STORE")}, check: flagsCheck([]string{`\Flagged`}, 1)},
		{cmd: "STORE keyword", right: "w", base: "rs", over: "authenticated", pre: selectPre, send: `STORE 1 +FLAGS ($Urgent)`,
			ok: []string{`* 1 FETCH (FLAGS ($Urgent))`, done("STORE")},
			no: []string{`* 1 FETCH (FLAGS ())`, done("STORE")}, check: flagsCheck([]string{`$Urgent`}, 1)},
		{cmd: `STORE \Deleted`, right: "t", base: "rs", over: "anyone", pre: selectPre, send: `STORE 1 +FLAGS (\Deleted)`,
			ok: []string{`* 1 FETCH (FLAGS (\Deleted))`, done("STORE")},
			no: []string{`* 1 FETCH (FLAGS ())`, done("STORE")}, check: flagsCheck([]string{`\Deleted`}, 1)},

		// e: EXPUNGE, UID EXPUNGE, and the expunge of CLOSE, which is
		// skipped without e (RFC 4314 section 4).
		{cmd: "EXPUNGE", right: "e", base: "rt", over: "authenticated", msg: []string{`\Deleted`}, pre: selectPre, send: "EXPUNGE",
			ok: []string{"* 1 EXPUNGE", done("EXPUNGE")}, no: []string{noPerm}, check: countCheck(0, 1)},
		{cmd: "UID EXPUNGE", right: "e", base: "rt", over: "anyone", msg: []string{`\Deleted`}, pre: selectPre, send: "UID EXPUNGE 1",
			ok: []string{"* 1 EXPUNGE", done("EXPUNGE")}, no: []string{noPerm}, check: countCheck(0, 1)},
		{cmd: "CLOSE", right: "e", base: "rt", over: "authenticated", msg: []string{`\Deleted`}, pre: selectPre, send: "CLOSE",
			ok: []string{done("CLOSE")}, no: []string{done("CLOSE")}, check: countCheck(0, 1)},

		// i: APPEND, COPY and MOVE into; flags only as the target's
		// rights allow. Without l and r the target is not there, unless
		// i makes it a drop box (docs/design-decisions.md).
		{cmd: "APPEND", right: "i", base: "l", over: "anyone", empty: true,
			send: `APPEND %m (\Seen \Flagged \Deleted) {45+}` + "\r\n" + matrixMsg,
			ok:   []string{"t OK [APPENDUID {uv} 1] APPEND completed"}, no: []string{noPerm},
			check: flagsCheck([]string{""}, 1)},
		{cmd: "APPEND", right: "i", over: "authenticated", empty: true,
			send: `APPEND %m () {45+}` + "\r\n" + matrixMsg,
			ok:   []string{done("APPEND")}, no: []string{tryCreate}, check: countCheck(1, 1)},
		{cmd: "COPY", right: "i", base: "l", over: "authenticated", own: []string{`\Seen`, `\Flagged`, `\Deleted`, "$Kw"},
			pre: []string{"SELECT %a"}, send: "COPY 1 %m",
			ok: []string{"t OK [COPYUID {uv} 1 2] COPY completed"}, no: []string{noPerm},
			check: flagsCheck([]string{"", ""}, 2)},
		{cmd: "COPY", right: "i", over: "anyone", pre: []string{"SELECT %a"}, send: "COPY 1 %m",
			ok: []string{done("COPY")}, no: []string{tryCreate}, check: countCheck(2, 1)},
		{cmd: "MOVE into", right: "i", base: "l", over: "anyone", pre: []string{"SELECT %a"}, send: "MOVE 1 %m",
			ok: []string{"* OK [COPYUID {uv} 1 2] Moved", "* 1 EXPUNGE", done("MOVE")}, no: []string{noPerm},
			check: countCheck(2, 0)},
		{cmd: "MOVE into", right: "i", over: "authenticated", pre: []string{"SELECT %a"}, send: "MOVE 1 %m",
			ok: []string{"* 1 EXPUNGE", done("MOVE")}, no: []string{tryCreate}, check: countCheck(2, 0)},
		// t and e: MOVE out of the selected mailbox (RFC 6851).
		{cmd: "MOVE out", right: "t", base: "re", over: "anyone", pre: selectPre, send: "MOVE 1 %a",
			ok: []string{"* OK [COPYUID {uva} 1 2] Moved", "* 1 EXPUNGE", done("MOVE")}, no: []string{noPerm},
			check: countCheck(0, 2)},
		{cmd: "MOVE out", right: "e", base: "rt", over: "authenticated", pre: selectPre, send: "MOVE 1 %a",
			ok: []string{"* OK [COPYUID {uva} 1 2] Moved", "* 1 EXPUNGE", done("MOVE")}, no: []string{noPerm},
			check: countCheck(0, 2)},

		// k: CREATE below %m; the child takes %m's ACL.
		{cmd: "CREATE child", right: "k", base: "l", over: "anyone", send: `CREATE "Other Users/joe/m{n}/child"`,
			ok: []string{done("CREATE")}, no: []string{noPerm}, check: existsCheck("m{n}/child", true)},
		// x: DELETE, and RENAME's source (k on the new parent, %d).
		{cmd: "DELETE", right: "x", base: "l", over: "authenticated", send: "DELETE %m",
			ok: []string{done("DELETE")}, no: []string{noPerm}, check: deletedCheck},
		// x without l or r: the mailbox is not there for ann.
		{cmd: "DELETE", right: "x", base: "", over: "anyone", send: "DELETE %m",
			ok: []string{noSuch}, no: []string{noSuch}, check: existsCheck("m{n}", true)},
		{cmd: "RENAME", right: "x", base: "l", over: "anyone", dst: []string{"ann lk"},
			send: `RENAME %m "Other Users/joe/d{n}/moved"`,
			ok:   []string{done("RENAME")}, no: []string{noPerm}, check: renamedCheck},

		// a: the ACL commands.
		{cmd: "SETACL", right: "a", base: "l", over: "authenticated", send: "SETACL %m zed@bar.com lr",
			ok: []string{done("SETACL")}, no: []string{noPerm},
			check: aclCheck("ann@foo.com la joe@foo.com lrswipkxteacd zed@bar.com lr")},
		{cmd: "DELETEACL", right: "a", base: "l", over: "anyone", extra: []string{"zed@bar.com lr"},
			send: "DELETEACL %m zed@bar.com",
			ok:   []string{done("DELETEACL")}, no: []string{noPerm}, check: aclCheck("ann@foo.com la joe@foo.com lrswipkxteacd")},
		{cmd: "GETACL", right: "a", base: "l", over: "authenticated", send: "GETACL %m",
			ok: []string{"* ACL %m ann@foo.com la joe@foo.com lrswipkxteacd", done("GETACL")}, no: []string{noPerm}},
		{cmd: "LISTRIGHTS", right: "a", base: "l", over: "anyone", send: "LISTRIGHTS %m ann",
			ok: []string{`* LISTRIGHTS %m ann "" l r s w i p k x t e a`, done("LISTRIGHTS")}, no: []string{noPerm}},

		// GETQUOTAROOT needs l or r.
		{cmd: "GETQUOTAROOT", right: "l", over: "anyone", quota: true, send: "GETQUOTAROOT %m", ok: quotaOK, no: []string{noSuch}},
		{cmd: "GETQUOTAROOT", right: "r", over: "authenticated", quota: true, send: "GETQUOTAROOT %m", ok: quotaOK, no: []string{noSuch}},
	}
}

func matrixRows() []aclRow {
	selectPre := []string{"SELECT %m"}
	myrights := func(rights, shown string) aclRow {
		return aclRow{name: "MYRIGHTS " + rights, acl: []string{"ann " + rights}, cmd: "MYRIGHTS %m",
			want: []string{"* MYRIGHTS %m " + shown, done("MYRIGHTS")}, same: true}
	}
	rw := func(rights, perm, code string) aclRow {
		return aclRow{name: "SELECT " + rights + " " + code, acl: []string{"ann " + rights}, cmd: "SELECT %m",
			want: selectWant("SELECT", perm, code), same: true}
	}
	return []aclRow{
		// LIST: a mailbox ann may list below one she may not shows as a
		// level of the hierarchy (RFC 4314 section 4's A/B example), and
		// one she may not list gives its parent no children.
		{name: "LIST l on the child only", sub: []string{"ann l"}, cmd: `LIST "" (%m "Other Users/joe/m{n}/*")`,
			want: []string{`* LIST (\Noselect \HasChildren) "/" %m`, `* LIST (\HasNoChildren) "/" "Other Users/joe/m{n}/sub"`, done("LIST")}},
		{name: "LIST l on the parent only", acl: []string{"ann l"}, sub: []string{}, cmd: `LIST "" (%m "Other Users/joe/m{n}/*")`,
			want: []string{`* LIST (\HasNoChildren) "/" %m`, done("LIST")}},
		{name: "SUBSCRIBE without rights", cmd: "SUBSCRIBE %m", want: []string{done("SUBSCRIBE")}},
		{name: "UNSUBSCRIBE without rights", pre: []string{"SUBSCRIBE %m"}, cmd: "UNSUBSCRIBE %m", want: []string{done("UNSUBSCRIBE")}},

		// READ-WRITE exactly when one of i, e or a flag right is held
		// (RFC 4314 section 5.2); PERMANENTFLAGS as the rights allow.
		rw("ri", "", "READ-WRITE"),
		rw("rs", `\Seen`, "READ-WRITE"),
		rw("rw", `\Answered \Flagged \Draft \*`, "READ-WRITE"),
		rw("rt", `\Deleted`, "READ-WRITE"),
		rw("re", "", "READ-WRITE"),
		rw("lrpkxa", "", "READ-ONLY"),
		{name: "SELECT -ann lr over anyone lr", acl: []string{"anyone lr", "-ann lr"}, cmd: "SELECT %m", want: []string{noSuch}, same: true},

		// COPY out of a mailbox needs only r (RFC 4314 section 4).
		{name: "COPY out r", acl: []string{"ann r"}, pre: selectPre, cmd: "COPY 1 %a",
			want: []string{"t OK [COPYUID {uva} 1 2] COPY completed"}, check: countCheck(1, 2)},
		// Grants to anyone and authenticated reach ann when nothing takes
		// them away.
		{name: "SELECT anyone lr", acl: []string{"anyone lr"}, cmd: "SELECT %m", want: selectWant("SELECT", "", "READ-ONLY"), same: true},
		{name: "MYRIGHTS authenticated lrs, anyone i", acl: []string{"authenticated lrs", "anyone i"}, cmd: "MYRIGHTS %m",
			want: []string{"* MYRIGHTS %m lrsi", done("MYRIGHTS")}, same: true},
		{name: "STORE authenticated rw", acl: []string{"authenticated rw"}, pre: selectPre, cmd: `STORE 1 +FLAGS (\Answered)`,
			want: []string{`* 1 FETCH (FLAGS (\Answered))`, done("STORE")}},
		// RFC 2086's c and d are read as k and xte (RFC 4314 section 2.1.1).
		{name: "SETACL c d", acl: []string{"ann la"}, cmd: "SETACL %m zed@bar.com lcd", want: []string{done("SETACL")},
			check: aclCheck("ann@foo.com la joe@foo.com lrswipkxteacd zed@bar.com lkxtecd")},
		{name: "CREATE child c", acl: []string{"ann lc"}, cmd: `CREATE "Other Users/joe/m{n}/child"`, want: []string{done("CREATE")}},
		// A read-only session changes nothing.
		{name: "FETCH BODY[] r", acl: []string{"ann r"}, pre: selectPre, cmd: "FETCH 1 (BODY[])",
			want: []string{`* 1 FETCH (` + body + `)`, done("FETCH")}, same: true},
		{name: `STORE \Seen r`, acl: []string{"ann r"}, pre: selectPre, cmd: `STORE 1 +FLAGS (\Seen)`, want: []string{readOnly}, same: true},
		{name: "EXPUNGE r", acl: []string{"ann r"}, msg: []string{`\Deleted`}, pre: selectPre, cmd: "EXPUNGE", want: []string{readOnly}, same: true},
		{name: "STORE ri", acl: []string{"ann ri"}, pre: selectPre, cmd: `STORE 1 +FLAGS (\Seen \Flagged \Deleted)`, want: []string{noPerm}, same: true},
		// STORE changes the flags it may and keeps the others.
		{name: "STORE +FLAGS mixed rs", acl: []string{"ann rs"}, pre: selectPre, cmd: `STORE 1 +FLAGS (\Seen \Flagged \Deleted $Urgent)`,
			want: []string{`* 1 FETCH (FLAGS (\Seen))`, done("STORE")}, check: seenCheck},
		{name: "STORE FLAGS replace rs", acl: []string{"ann rs"}, msg: []string{`\Flagged`, `\Deleted`, "$Old"}, pre: selectPre,
			cmd:   `STORE 1 FLAGS (\Seen)`,
			want:  []string{`* 1 FETCH (FLAGS (\Seen \Flagged \Deleted $Old))`, done("STORE")},
			check: flagsCheck([]string{`\Flagged \Deleted $Old`}, 0)},
		{name: "STORE -FLAGS rt", acl: []string{"ann rt"}, msg: []string{`\Flagged`, `\Deleted`}, pre: selectPre,
			cmd:   `STORE 1 -FLAGS (\Flagged \Deleted)`,
			want:  []string{`* 1 FETCH (FLAGS (\Flagged))`, done("STORE")},
			check: flagsCheck([]string{`\Flagged`}, 1)},

		// The target's rights filter the flags of APPEND and COPY; \Seen
		// is ann's own in joe's mailbox.
		{name: "APPEND flags listw", acl: []string{"ann listw"}, empty: true,
			cmd:   `APPEND %m (\Seen \Flagged \Deleted $Kw) {45+}` + "\r\n" + matrixMsg,
			want:  []string{"t OK [APPENDUID {uv} 1] APPEND completed"},
			check: flagsCheck([]string{`\Flagged \Deleted $Kw`}, 0)},
		{name: "COPY flags lis", acl: []string{"ann lis"}, own: []string{`\Seen`, `\Flagged`, `\Deleted`, "$Kw"},
			pre: []string{"SELECT %a"}, cmd: "COPY 1 %m", want: []string{"t OK [COPYUID {uv} 1 2] COPY completed"},
			check: flagsCheck([]string{"", ""}, 1)},
		{name: "COPY flags liw", acl: []string{"ann liw"}, own: []string{`\Seen`, `\Flagged`, `\Deleted`, "$Kw"},
			pre: []string{"SELECT %a"}, cmd: "COPY 1 %m", want: []string{"t OK [COPYUID {uv} 1 2] COPY completed"},
			check: flagsCheck([]string{"", `\Flagged $Kw`}, 2)},
		{name: "COPY flags lit", acl: []string{"ann lit"}, own: []string{`\Seen`, `\Flagged`, `\Deleted`, "$Kw"},
			pre: []string{"SELECT %a"}, cmd: "COPY 1 %m", want: []string{"t OK [COPYUID {uv} 1 2] COPY completed"},
			check: flagsCheck([]string{"", `\Deleted`}, 2)},

		// CREATE: a parent ann may not see answers as one that does not
		// exist: k is then looked for higher up, in joe's tree, where only
		// joe creates.
		{name: "CREATE under a missing parent", cmd: `CREATE "Other Users/joe/none{n}/child"`, want: []string{noPerm}, same: true},
		{name: "CREATE under an invisible parent", cmd: `CREATE "Other Users/joe/m{n}/child"`, want: []string{noPerm}, same: true},
		{name: "CREATE of a missing name", cmd: `CREATE "Other Users/joe/none{n}"`, want: []string{noPerm}, same: true},
		{name: "CREATE of an invisible mailbox", cmd: "CREATE %m", want: []string{noPerm}, same: true},
		{name: "CREATE child inherits the ACL", acl: []string{"ann lk", "anyone l"}, cmd: `CREATE "Other Users/joe/m{n}/child"`,
			want: []string{done("CREATE")}, check: func(x *aclEnv, r *rowNames) string {
				child := r.m
				child.Name += "/child"
				a, _ := x.st.GetACL(x.ctx, store.System(), r.m)
				b, err := x.st.GetACL(x.ctx, store.System(), child)
				if err != nil || fmt.Sprint(a) != fmt.Sprint(b) {
					return fmt.Sprintf("child's ACL %v (%v), parent's %v", b, err, a)
				}
				return ""
			}},
		// RENAME needs k on the new parent.
		{name: "RENAME k denied", acl: []string{"ann lx"}, dst: []string{"ann l"}, cmd: `RENAME %m "Other Users/joe/d{n}/moved"`,
			want: []string{noPerm}, same: true},
		{name: "RENAME k negative", acl: []string{"ann lx"}, dst: []string{"authenticated lk", "-ann k"},
			cmd: `RENAME %m "Other Users/joe/d{n}/moved"`, want: []string{noPerm}, same: true},
		{name: "RENAME from an invisible mailbox", dst: []string{"ann lk"}, cmd: `RENAME %m "Other Users/joe/d{n}/moved"`,
			want: []string{noSuch}, same: true},
		{name: "RENAME into an invisible parent", acl: []string{"ann lx"}, dst: []string{}, cmd: `RENAME %m "Other Users/joe/d{n}/moved"`,
			want: []string{noPerm}, same: true},
		{name: "RENAME into a missing parent", acl: []string{"ann lx"}, cmd: `RENAME %m "Other Users/joe/none{n}/moved"`,
			want: []string{noPerm}, same: true},

		// a without l or r: the mailbox is not there for ann (the rule of
		// docs/design-decisions.md, which RFC 4314 section 6 allows).
		{name: "GETACL a alone", acl: []string{"ann a"}, cmd: "GETACL %m", want: []string{noSuch}, same: true},
		{name: "GETACL none", cmd: "GETACL %m", want: []string{noSuch}, same: true},
		{name: "SETACL none", cmd: "SETACL %m ann lrswipkxtea", want: []string{noSuch}, same: true},

		// MYRIGHTS needs any of l, r, i, k, x, a (RFC 4314 section 4).
		myrights("l", "l"), myrights("r", "r"), myrights("i", "i"), myrights("k", "kc"),
		myrights("x", "x"), myrights("a", "a"), myrights("lrswipkxtea", "lrswipkxteacd"),
		{name: "MYRIGHTS none", cmd: "MYRIGHTS %m", want: []string{noSuch}, same: true},
		{name: "MYRIGHTS -ann lr over anyone lr", acl: []string{"anyone lr", "-ann lr"}, cmd: "MYRIGHTS %m", want: []string{noSuch}, same: true},
		{name: "MYRIGHTS s alone", acl: []string{"ann s"}, cmd: "MYRIGHTS %m", want: []string{noSuch}, same: true},
		{name: "MYRIGHTS p alone", acl: []string{"ann p"}, cmd: "MYRIGHTS %m", want: []string{noSuch}, same: true},
		{name: "GETQUOTAROOT i alone", acl: []string{"ann i"}, quota: true, cmd: "GETQUOTAROOT %m", want: []string{noSuch}, same: true},
	}
}
