/** The pipeline's organs, in routing order. */
import type { Organ } from "necrostack";
import type { AuditLog } from "../audit-log.js";
import { Audit } from "./audit.js";
import { EmailSender, type EmailSenderOptions } from "./email-sender.js";
import { PushSender } from "./push-sender.js";
import { Router } from "./router.js";
import { SmsSender } from "./sms-sender.js";
import { Validate } from "./validate.js";

export function pipelineOrgans(email: EmailSenderOptions, audit: AuditLog): Organ[] {
  return [
    new Validate(),
    new Router(),
    new EmailSender(email),
    new SmsSender(),
    new PushSender(),
    new Audit(audit),
  ];
}
