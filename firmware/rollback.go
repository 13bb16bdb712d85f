package firmware

import (
	"crypto/ed25519"
	"fmt"
)

// Rollback makes the previous version current and the current one
// previous, after verifying the previous bundle with pub. It fails with an
// error wrapping ErrNotInstalled when there is no previous version. A
// crash leaves current pointing to either version, each complete.
func Rollback(root string, pub ed25519.PublicKey) (InstallResult, error) {
	res, err := rollback(root, pub, func(string) {})
	if err != nil {
		return res, fmt.Errorf("firmware: rollback %s: %w", root, err)
	}
	return res, nil
}

func rollback(root string, pub ed25519.PublicKey, step func(string)) (InstallResult, error) {
	var res InstallResult
	unlock, err := lockAndClean(root)
	if err != nil {
		return res, err
	}
	defer unlock()
	cur, err := Current(root)
	if err != nil {
		return res, err
	}
	prev, err := Previous(root)
	if err != nil {
		return res, fmt.Errorf("no version to roll back to: %w", err)
	}
	if prev.ID == cur.ID {
		return res, fmt.Errorf("%w: previous is the current version %s", ErrNotInstalled, cur.ID)
	}
	if _, err := prev.Open(pub); err != nil {
		return res, fmt.Errorf("previous version does not verify: %w", err)
	}
	if err := switchLink(root, linkCurrent, prev.ID, step); err != nil {
		return res, err
	}
	if err := switchLink(root, linkPrevious, cur.ID, step); err != nil {
		return res, err
	}
	return InstallResult{ID: prev.ID, Previous: cur.ID}, nil
}
