// Loaded with `node --import` into child processes of the demo and the tests.
import { installNetworkGuard } from "./network-guard.js";

installNetworkGuard();
