// The Pulumi program. Pulumi runs it from the project folder (the one holding Pulumi.yaml);
// the configuration is checked in full before any resource is declared.

import * as pulumi from "@pulumi/pulumi";
import { readConfig } from "./config";
import { buildStack } from "./stack";

const stack = buildStack({ root: process.cwd(), config: readConfig(pulumi.runtime.allConfig()) });

export const webserverUrl = stack.webserverUrl;
export const environmentName = stack.environmentName;
export const region = stack.region;
export const airflowVersion = stack.airflowVersion;
export const kmsKeyArn = stack.kmsKeyArn;
export const buckets = stack.buckets;
export const roles = stack.roles;
export const databases = stack.databases;
export const crawlers = stack.crawlers;
export const jobs = stack.jobs;
export const functions = stack.functions;
export const topics = stack.topics;
export const namePrefix = stack.namePrefix;
export const variables = stack.variables;
export const triggerCommands = stack.triggerCommands;
