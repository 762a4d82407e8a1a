package store

import (
	"errors"
	"testing"
)

// QuotaInfo.Fits applies the commit's rule: only what grows is checked,
// and the error names the root, the resource and the limit.
func TestQuotaInfoFits(t *testing.T) {
	q := QuotaInfo{Root: "foo.com/users/joe", StorageLimit: 1, UsedBytes: 1000, MessageLimit: 3, MessagesUsed: 2}
	for _, tc := range []struct {
		dBytes, dMsgs int64
		over          string
	}{
		{24, 1, ""},
		{25, 0, ResourceStorage},
		{0, 2, ResourceMessage},
		{0, 0, ""},
	} {
		err := q.Fits(tc.dBytes, tc.dMsgs)
		var oq *OverQuotaError
		switch {
		case tc.over == "" && err != nil:
			t.Errorf("%d bytes, %d messages: %v", tc.dBytes, tc.dMsgs, err)
		case tc.over != "" && (!errors.As(err, &oq) || oq.Resource != tc.over || oq.Root != q.Root || KindOf(err) != KindOverQuota):
			t.Errorf("%d bytes, %d messages: %v, want over %s", tc.dBytes, tc.dMsgs, err, tc.over)
		}
	}
	full := QuotaInfo{Root: "foo.com", StorageLimit: 1, UsedBytes: 2048, MessageLimit: -1}
	if full.Fits(0, 1) != nil {
		t.Error("a message adding no octets refused by a root past a lowered storage limit")
	}
}
