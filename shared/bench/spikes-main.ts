import { runSpikeBench } from "./spike-quality.js";

// Prints the spike-detection quality figures; never fails on score.
console.log(runSpikeBench());
