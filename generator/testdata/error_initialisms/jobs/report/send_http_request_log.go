package report

type SendHttpReq struct{}
