import { PLAN_VERSION } from "@gan/plan"; console.log("plan", PLAN_VERSION);
