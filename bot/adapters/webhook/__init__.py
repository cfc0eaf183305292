"""What the WeChat-family callback adapters (Official Account, 企业微信 / 政务微信) share: the body cap
in front of the server (`guard`), signature, freshness, XML and crypto checks (`checks`), dedupe keys
(`keys`), the database of keys taken in (`inbox`), the 5-second rule (`intake`) and text messages
(`message`). Each adapter adds only its own URL parameters, events and API client."""
